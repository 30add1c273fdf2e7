package org.openpair.emulator.events;

import java.util.LinkedHashMap;
import java.util.Map;

import org.openpair.guardian.ProcessHandle;

/**
 * What happened, one kind per record, as the node's event log keeps it (NonStop's EMS: one
 * structured line per CPU up or down, process start and end, takeover, switch, fence and
 * orphaned semaphore, upgrade). When, where and in what order it was logged is the {@link EventRecord}'s
 * around it. A kind's fields are its record components; {@link #fields} names them for the text
 * and JSON lines, in the same order, so the two forms never disagree.
 */
public sealed interface Event {
    /** The kind as the log names it: the record's simple name. */
    default String kind() {
        return getClass().getSimpleName();
    }

    /** The fields by name, in the record's order; a null field is left out. */
    Map<String, Object> fields();

    /** CPU {@code up} joined the node and serves, at {@code address}. */
    record CpuUp(int up, String address) implements Event {
        @Override
        public Map<String, Object> fields() {
            return Fields.of("up", up, "address", address);
        }
    }

    /**
     * CPU {@code down} is gone, as the logging CPU learned it: {@code evidence} says how (the
     * engine removed its member; its CPU link ended or refused, the kernel's evidence).
     */
    record CpuDown(int down, String evidence) implements Event {
        @Override
        public Map<String, Object> fields() {
            return Fields.of("down", down, "evidence", evidence);
        }
    }

    /** A process began on the logging CPU; {@code name} is null for an unnamed one. */
    record ProcessStarted(ProcessHandle process, String name, String program) implements Event {
        public static ProcessStarted of(org.openpair.guardian.ProcessInfo p) {
            return new ProcessStarted(p.handle(), p.name() == null ? null : p.name().toString(), p.program().display());
        }

        @Override
        public Map<String, Object> fields() {
            return Fields.of("process", process, "name", name, "program", program);
        }
    }

    /**
     * A process of the logging CPU ended with {@code completionCode}; {@code cause} is its
     * {@code TerminationCause}, {@code detail} what the runtime knows beyond it.
     */
    record ProcessEnded(ProcessHandle process, String name, String program, int completionCode, String cause,
                        String detail) implements Event {
        public static ProcessEnded of(org.openpair.guardian.Termination t) {
            return new ProcessEnded(t.process(), t.name() == null ? null : t.name().toString(), t.program(),
                    t.completionCode(), t.cause().name(), t.detail());
        }

        @Override
        public Map<String, Object> fields() {
            return Fields.of("process", process, "name", name, "program", program, "completion", completionCode,
                    "cause", cause, "detail", detail);
        }
    }

    /**
     * The backup {@code newPrimary} of {@code name} became its primary at {@code epoch}, for
     * {@code cause} (a {@code TakeoverCause}). {@code durationMillis} runs from the evidence of
     * the old primary's end (the time its termination record was written: by its own CPU when
     * it ended, by the surviving CPU that swept it when its CPU was lost) to the promotion on the
     * new primary's CPU; the two clocks are different machines' when the CPUs are, so it is as
     * good as their agreement. -1 when there is no such evidence (a switch: the old primary
     * lives on).
     */
    record Takeover(String name, String cause, ProcessHandle oldPrimary, ProcessHandle newPrimary, long epoch,
                    long durationMillis) implements Event {
        /** {@code newPrimary}'s promotion, now, as {@code takeover} tells it. */
        public static Takeover of(String name, org.openpair.guardian.Takeover takeover, ProcessHandle newPrimary) {
            org.openpair.guardian.Termination t = takeover.termination();
            long duration = t == null || t.at() == null ? -1
                    : Math.max(0, java.time.Duration.between(t.at(), java.time.Instant.now()).toMillis());
            return new Takeover(name, takeover.cause().name(), takeover.oldPrimary(), newPrimary, takeover.epoch(),
                    duration);
        }

        @Override
        public Map<String, Object> fields() {
            return Fields.of("name", name, "cause", cause, "old", oldPrimary, "new", newPrimary, "epoch", epoch,
                    "durationMs", durationMillis);
        }
    }

    /** The operator or the program switched {@code name}: {@code oldPrimary} is its backup now. */
    record Switch(String name, ProcessHandle oldPrimary, ProcessHandle newPrimary, long epoch) implements Event {
        @Override
        public Map<String, Object> fields() {
            return Fields.of("name", name, "old", oldPrimary, "new", newPrimary, "epoch", epoch);
        }
    }

    /**
     * An upgrade of {@code name}: its primary on the logging CPU replaced its backup
     * {@code oldBackup} (null if it had none) by {@code newBackup}, created from {@code classPath}.
     */
    record Upgrade(String name, ProcessHandle oldBackup, ProcessHandle newBackup, String classPath) implements Event {
        @Override
        public Map<String, Object> fields() {
            return Fields.of("name", name, "old", oldBackup, "new", newBackup, "classPath", classPath);
        }
    }

    /** A pair member of the logging CPU was fenced (ended, completion 6): it may no longer act, for {@code why}. */
    record Fence(ProcessHandle process, String name, String why) implements Event {
        @Override
        public Map<String, Object> fields() {
            return Fields.of("process", process, "name", name, "why", why);
        }
    }

    /** {@code holder} died holding {@code permits} of ORPHAN-policy semaphore {@code semaphore}. */
    record SemaphoreOrphaned(String semaphore, ProcessHandle holder, int permits) implements Event {
        @Override
        public Map<String, Object> fields() {
            return Fields.of("semaphore", semaphore, "holder", holder, "permits", permits);
        }
    }

    /**
     * A CPU found a record of {@code table} that decides who is primary or where requests go
     * ({@code key}: a name, a CPU number) forged, altered, replayed or removed, and wrote the
     * record it holds the truth of again: {@code found} says what was there, {@code restored}
     * what is there now.
     */
    record RecordRepaired(String table, String key, String found, String restored) implements Event {
        @Override
        public Map<String, Object> fields() {
            return Fields.of("table", table, "key", key, "found", found, "restored", restored);
        }
    }

    /** Builds a kind's field map. */
    final class Fields {
        private Fields() {
        }

        static Map<String, Object> of(Object... namesAndValues) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < namesAndValues.length; i += 2) {
                Object v = namesAndValues[i + 1];
                if (v instanceof ProcessHandle h) {
                    v = h.cpuPin();
                }
                if (v != null) {
                    m.put((String) namesAndValues[i], v);
                }
            }
            return m;
        }
    }
}
