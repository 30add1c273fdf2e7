package org.openpair.bench;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

import org.openpair.emulator.json.Json;

/**
 * One flat JSON object on one line, fields in the order they are added (a key added twice is
 * written twice): strings, whole numbers, booleans, and decimals rounded to a fixed number of
 * places, a small one that this would make zero to two significant digits (never NaN or infinity: those become {@code null}). The values are written by
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

    /**
     * A decimal rounded half-up to {@code decimals} places, or, when that would write a figure
     * that is not zero as zero (a ratio of 0.003 to two places), to two significant digits.
     */
    public JsonLine put(String key, double value, int decimals) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return field(key, null);
        }
        BigDecimal rounded = BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP);
        if (rounded.signum() == 0 && value != 0) {
            rounded = BigDecimal.valueOf(value).round(new MathContext(2, RoundingMode.HALF_UP));
        }
        return field(key, rounded);
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
