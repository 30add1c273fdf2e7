package org.openpair.bench;

import java.math.BigDecimal;
import java.math.RoundingMode;

import org.openpair.emulator.json.Json;

/**
 * One flat JSON object on one line, fields in the order they are added (a key added twice is
 * written twice): strings, whole numbers, booleans, and decimals rounded to a fixed number of
 * places (never NaN or infinity: those become {@code null}). The values are written by
 * {@link Json}, as the CLI's output is.
 *
 * <p>Used by {@link BenchReport} and the chaos run's report; run with {@code ./guardian bench spawn --json}.
 */
public final class JsonLine {
    private final StringBuilder sb = new StringBuilder("{");

    public JsonLine put(String key, String value) {
        return field(key, value);
    }

    public JsonLine put(String key, long value) {
        return field(key, value);
    }

    public JsonLine put(String key, boolean value) {
        return field(key, value);
    }

    /** A decimal rounded half-up to {@code decimals} places. */
    public JsonLine put(String key, double value, int decimals) {
        return field(key, Double.isNaN(value) || Double.isInfinite(value) ? null
                : BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP));
    }

    @Override
    public String toString() {
        return sb + "}";
    }

    private JsonLine field(String key, Object value) {
        if (sb.length() > 1) {
            sb.append(',');
        }
        sb.append(Json.of(key)).append(':').append(Json.of(value));
        return this;
    }
}
