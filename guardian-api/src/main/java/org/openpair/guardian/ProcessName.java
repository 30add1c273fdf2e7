package org.openpair.guardian;

import java.util.Locale;

/**
 * A process name of the node's name table (the DCT): {@code $} then 1-5 alphanumerics, the
 * first a letter. Names are case-insensitive; OpenPair stores and shows them upper case.
 *
 * <p>{@link #of(String)} also accepts the name without its {@code $}, since {@code $} needs
 * quoting in shells.
 */
public final class ProcessName implements Comparable<ProcessName> {
    /** Longest local name after the {@code $}. */
    public static final int MAX_LENGTH = 5;

    private final String name;

    private ProcessName(String upperWithDollar) {
        this.name = upperWithDollar;
    }

    /**
     * Parses and validates a name.
     *
     * @throws GuardianException error 13 (illegal name), with the rule the name broke
     */
    public static ProcessName of(String text) {
        if (text == null || text.isEmpty()) {
            throw bad(text, "a process name is $ followed by 1 to 5 letters or digits");
        }
        String bare = text.charAt(0) == '$' ? text.substring(1) : text;
        if (bare.isEmpty()) {
            throw bad(text, "a name needs 1 to 5 letters or digits after the $");
        }
        if (bare.length() > MAX_LENGTH) {
            throw bad(text, "at most 5 letters or digits follow the $ (this one has " + bare.length() + ")");
        }
        if (!isAsciiLetter(bare.charAt(0))) {
            throw bad(text, "the first character after the $ must be a letter");
        }
        for (int i = 1; i < bare.length(); i++) {
            char c = bare.charAt(i);
            if (!isAsciiLetter(c) && !(c >= '0' && c <= '9')) {
                throw bad(text, "only letters A-Z and digits 0-9 may follow the $ (found '" + c + "')");
            }
        }
        return new ProcessName("$" + bare.toUpperCase(Locale.ROOT));
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    private static GuardianException bad(String text, String rule) {
        return new GuardianException(GuardianError.BAD_NAME,
                "illegal process name '" + (text == null ? "" : text) + "': " + rule);
    }

    /** The name without its {@code $}, upper case. */
    public String bare() {
        return name.substring(1);
    }

    /** {@code $NAME}, upper case. */
    @Override
    public String toString() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProcessName other && other.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public int compareTo(ProcessName o) {
        return name.compareTo(o.name);
    }
}
