package org.openpair.emulator.bench;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * One flat JSON object on one line, fields in the order they are added: strings, whole
 * numbers, and decimals rounded to a fixed number of places (never NaN or infinity: those
 * become {@code null}). Enough for the benchmark lines; the CLI's own writer is private to it.
 *
 * <p>Used by {@link BenchReport}; run with {@code ./guardian bench spawn --json}.
 */
final class JsonLine {
    private final StringBuilder sb = new StringBuilder("{");

    JsonLine put(String key, String value) {
        key(key);
        if (value == null) {
            sb.append("null");
        } else {
            string(value);
        }
        return this;
    }

    JsonLine put(String key, long value) {
        key(key);
        sb.append(value);
        return this;
    }

    JsonLine put(String key, boolean value) {
        key(key);
        sb.append(value);
        return this;
    }

    /** A decimal rounded half-up to {@code decimals} places. */
    JsonLine put(String key, double value, int decimals) {
        key(key);
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            sb.append("null");
        } else {
            sb.append(BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP).toPlainString());
        }
        return this;
    }

    @Override
    public String toString() {
        return sb + "}";
    }

    private void key(String key) {
        if (sb.length() > 1) {
            sb.append(',');
        }
        string(key);
        sb.append(':');
    }

    private void string(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
