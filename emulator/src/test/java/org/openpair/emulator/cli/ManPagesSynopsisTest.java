package org.openpair.emulator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.TerminationCause;

/**
 * The hand-written pages of {@code man/} (sections 3 and 7) stay true to the API: every member
 * a SYNOPSIS names exists with that signature ({@link ManPageSynopsis}), every page has the
 * sections a man page needs, SEE ALSO names only pages that exist, and openpair(7) lists every
 * Guardian error, completion code and system message the code has. A renamed method, a new
 * error number or a changed limit breaks the build until the page says so.
 */
class ManPagesSynopsisTest {
    private static final Path MAN = Path.of(System.getProperty("man.dir", "../man"));
    private static final Pattern TITLE = Pattern.compile("(?m)^= (\\S+)\\((\\d)\\)$");
    private static final Pattern REFERENCE = Pattern.compile("\\*([\\w.-]+)\\*\\((\\d)\\)");
    private static final List<String> SECTIONS = List.of("NAME", "SYNOPSIS", "DESCRIPTION", "ERRORS", "SEE ALSO");
    /** Pages outside this manual that SEE ALSO may name: the Linux manual's. */
    private static final Set<String> SYSTEM_PAGES = Set.of("signal(7)", "posix_spawnp(3)", "pthread_mutex_consistent(3)",
            "pthread_mutexattr_setrobust(3)", "sigaction(2)", "sigprocmask(2)", "kill(2)", "sigsetjmp(3)");

    @Test
    void handWrittenPages_nameOnlyMembersThatExist() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path page : handWrittenPages()) {
            String text = Files.readString(page);
            for (String problem : ManPageSynopsis.check(synopsis(text))) {
                problems.add(page.getFileName() + ": " + problem);
            }
        }
        assertThat(problems).as("SYNOPSIS declarations that do not match the code").isEmpty();
    }

    @Test
    void handWrittenPages_haveTheSectionsAndATitleMatchingTheirFile() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path page : handWrittenPages()) {
            String text = Files.readString(page);
            Matcher title = TITLE.matcher(text);
            String file = page.getFileName().toString();
            if (!title.find()) {
                problems.add(file + ": no '= NAME(n)' title");
            } else if (!file.equals(title.group(1) + "." + title.group(2) + ".adoc")) {
                problems.add(file + ": titled " + title.group(1) + "(" + title.group(2) + "); the file must be "
                        + title.group(1) + "." + title.group(2) + ".adoc");
            }
            if (!text.contains(":doctype: manpage")) {
                problems.add(file + ": not a manpage doctype");
            }
            int at = -1;
            for (String section : SECTIONS) {
                int next = text.indexOf("\n== " + section + "\n");
                if (next < 0) {
                    problems.add(file + ": no " + section + " section");
                } else if (next < at) {
                    problems.add(file + ": " + section + " is out of order");
                }
                at = Math.max(at, next);
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void seeAlso_namesOnlyPagesThatExist() throws IOException {
        Set<String> pages = new TreeSet<>(SYSTEM_PAGES);
        try (Stream<Path> all = Files.list(MAN)) {
            for (Path p : all.filter(p -> p.toString().endsWith(".adoc")).toList()) {
                Matcher title = TITLE.matcher(Files.readString(p));
                if (title.find()) {
                    pages.add(title.group(1) + "(" + title.group(2) + ")");
                }
            }
        }
        List<String> problems = new ArrayList<>();
        for (Path page : handWrittenPages()) {
            String text = Files.readString(page);
            Matcher ref = REFERENCE.matcher(text);
            while (ref.find()) {
                String name = ref.group(1) + "(" + ref.group(2) + ")";
                if (!pages.contains(name)) {
                    problems.add(page.getFileName() + " refers to " + name + ", which is no page of man/ nor a known system page");
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void openpair7_listsEveryErrorCompletionCodeAndSystemMessage() throws IOException {
        String text = Files.readString(MAN.resolve("openpair.7.adoc"));
        List<String> missing = new ArrayList<>();
        for (GuardianError e : GuardianError.values()) {
            if (!text.contains("\n*" + e.number() + "* " + e.name() + "::\n")) {
                missing.add("error " + e.number() + " " + e.name());
            }
        }
        for (TerminationCause c : TerminationCause.values()) {
            String codes = c.completionCode(0) == c.completionCode(1) ? "*" + c.completionCode(0) + "*"
                    : "*" + c.completionCode(0) + "* or *" + c.completionCode(1) + "*";
            if (!text.contains("\n" + codes + " " + c.name() + "::\n")) {
                missing.add("completion code " + codes + " " + c.name());
            }
        }
        for (Class<?> m : SystemMessage.class.getPermittedSubclasses()) {
            int number = systemMessageNumber(m);
            if (!text.contains("\n*" + number + "* " + m.getSimpleName() + "::\n")) {
                missing.add("system message " + number + " " + m.getSimpleName());
            }
        }
        assertThat(missing).as("openpair(7) must list what the code has").isEmpty();
    }

    @Test
    void synopsisCheck_reportsWhatDoesNotMatch() {
        String synopsis = """
                package org.openpair.guardian;

                interface Guardian {
                    ProcessHandle processSpawn(SpawnRequest request);
                    ProcessHandle processLaunch(SpawnRequest request);
                    void processStop(ProcessHandle process, int scope);
                    int MAX_SYNC_DEPTH = 65;
                }

                enum StopScope {
                    TARGET(1),
                    EVERYTHING;
                }

                record PairInfo(PairStatus status) {
                }

                class Guardian {
                    this is not java;
                }
                """;
        List<String> problems = ManPageSynopsis.check(synopsis);
        assertThat(problems).hasSize(8);
        assertThat(problems.get(0)).contains("processLaunch");
        assertThat(problems.get(1)).contains("processStop(ProcessHandle, int)");
        assertThat(problems.get(2)).contains("MAX_SYNC_DEPTH is 64");
        assertThat(problems.get(3)).contains("specifier() is 0");
        assertThat(problems.get(4)).contains("no constant org.openpair.guardian.StopScope.EVERYTHING");
        assertThat(problems.get(5)).contains("PairInfo has components");
        assertThat(problems.get(6)).contains("is not class");
        assertThat(problems.get(7)).contains("cannot read this declaration: this is not java;");
        assertThat(ManPageSynopsis.check("package org.openpair.guardian;\n")).singleElement().asString()
                .contains("names no member");
    }

    @Test
    void synopsisCheck_readsWrappedRecordsNestedTypesAndVarargs() {
        String synopsis = """
                package org.openpair.guardian;
                final class SpawnRequest.Builder {
                    SpawnRequest.Builder args(String... values);
                }
                record PairInfo(PairStatus status, ProcessName name,
                                ProcessHandle primary, ProcessHandle backup,
                                ProcessHandle ancestor, long epoch,
                                boolean backupReady) {
                }
                interface GuardianProgram {
                    void run(ProcessContext context) throws Exception;
                }
                """;
        assertThat(ManPageSynopsis.check(synopsis)).isEmpty();
    }

    private static int systemMessageNumber(Class<?> type) {
        // Each record's number() is a constant: any instance will do, so make one of zeroes and nulls.
        try {
            var ctor = type.getDeclaredConstructors()[0];
            Object[] args = new Object[ctor.getParameterCount()];
            Class<?>[] types = ctor.getParameterTypes();
            for (int i = 0; i < args.length; i++) {
                args[i] = types[i] == int.class ? (Object) 0 : types[i] == long.class ? (Object) 0L : null;
            }
            return ((SystemMessage) ctor.newInstance(args)).number();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot make a " + type.getName() + ": " + e, e);
        }
    }

    private static List<Path> handWrittenPages() throws IOException {
        try (Stream<Path> all = Files.list(MAN)) {
            List<Path> pages = all.filter(p -> p.getFileName().toString().matches(".+\\.[37]\\.adoc")).sorted().toList();
            assertThat(pages).as("hand-written pages in %s", MAN).isNotEmpty();
            return pages;
        }
    }

    /** The first listing block after "== SYNOPSIS". */
    private static String synopsis(String text) {
        int section = text.indexOf("\n== SYNOPSIS\n");
        if (section < 0) {
            return "";
        }
        int open = text.indexOf("\n----\n", section);
        int next = text.indexOf("\n== ", section + 1);
        if (open < 0 || (next >= 0 && open > next)) {
            return "";
        }
        int close = text.indexOf("\n----\n", open + 6);
        return close < 0 ? "" : text.substring(open + 6, close + 1);
    }
}
