package org.openpair.guardian;

import java.time.Duration;
import java.util.Objects;

/**
 * Whether a primary re-creates its backup when the backup dies, in Erlang/OTP's words:
 * {@link Type#PERMANENT} always, {@link Type#TRANSIENT} only after an abnormal death
 * (completion code other than 0), {@link Type#TEMPORARY} never. The restart intensity
 * bounds re-creation: more than {@code maxRestarts} within {@code period} and the pair stops
 * re-creating (the primary goes on alone and is told by the -101 message it already got).
 *
 * <p>While no other CPU is up, re-creation is retried on a growing timer (1 s doubling to
 * 30 s) and at once when a CPU comes up (-3).
 *
 * @param type        when to re-create
 * @param maxRestarts restarts allowed within the period; at least 1
 * @param period      the window the restarts are counted in
 */
public record RestartPolicy(Type type, int maxRestarts, Duration period) {

    /** Never re-create: the default. */
    public static final RestartPolicy TEMPORARY = new RestartPolicy(Type.TEMPORARY, 1, Duration.ofSeconds(5));

    public RestartPolicy {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(period, "period");
        if (maxRestarts < 1) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "restart intensity must be at least 1: " + maxRestarts);
        }
        if (period.isNegative() || period.isZero()) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "restart period must be positive: " + period);
        }
    }

    /** Always re-create, at most {@code maxRestarts} times per {@code period}. */
    public static RestartPolicy permanent(int maxRestarts, Duration period) {
        return new RestartPolicy(Type.PERMANENT, maxRestarts, period);
    }

    /** Re-create after an abnormal death only. */
    public static RestartPolicy transientRestart(int maxRestarts, Duration period) {
        return new RestartPolicy(Type.TRANSIENT, maxRestarts, period);
    }

    /** True when a backup that ended with this completion code is to be re-created. */
    public boolean restartsAfter(int completionCode) {
        return switch (type) {
            case PERMANENT -> true;
            case TRANSIENT -> completionCode != 0;
            case TEMPORARY -> false;
        };
    }

    /** When to re-create a dead backup. */
    public enum Type { PERMANENT, TRANSIENT, TEMPORARY }
}
