package org.openpair.emulator.pairs;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;

/** Pair programs for the in-JVM tests; what they observed is kept in static maps keyed by name. */
public final class PairPrograms {
    /** Highest counter value whose checkpoint returned OK, per process ("$NAME@cpu,pin"). */
    public static final Map<String, Long> LAST_ACKED = new ConcurrentHashMap<>();
    /** Highest counter value whose checkpoint was sent, per process ("$NAME@cpu,pin"). */
    public static final Map<String, Long> LAST_SENT = new ConcurrentHashMap<>();
    /** What each takeover looked like: the takeover and the counter the new primary found. */
    public static final List<Object[]> TAKEOVERS = new CopyOnWriteArrayList<>();
    /** Counter processes (name@cpu,pin) whose program is waiting in awaitTakeover now. */
    public static final java.util.Set<String> AWAITING = ConcurrentHashMap.newKeySet();
    /** System messages read, per name. */
    public static final Map<String, List<SystemMessage>> MESSAGES = new ConcurrentHashMap<>();
    /** Checkpoint results seen, per name. */
    public static final Map<String, List<CheckpointResult>> RESULTS = new ConcurrentHashMap<>();
    /** Sequence violations seen by backups of {@link SequencePair}. */
    public static final List<String> VIOLATIONS = new CopyOnWriteArrayList<>();
    public static final Map<String, Long> SEQ_DONE = new ConcurrentHashMap<>();
    /** What the backup of each {@link Burst} had applied, in order, when its awaitTakeover returned. */
    public static final Map<String, List<Long>> APPLIED = new ConcurrentHashMap<>();
    /** The last checkpoint the backup of each {@link Burst} applied so far. */
    public static final Map<String, Long> APPLYING = new ConcurrentHashMap<>();
    /** Each {@link Burst} whose checkpoints the backup all held: how many it sent. */
    public static final Map<String, Long> BURST_HELD = new ConcurrentHashMap<>();

    private PairPrograms() {
    }

    static void reset() {
        LAST_ACKED.clear();
        LAST_SENT.clear();
        TAKEOVERS.clear();
        AWAITING.clear();
        MESSAGES.clear();
        RESULTS.clear();
        VIOLATIONS.clear();
        SEQ_DONE.clear();
        APPLIED.clear();
        APPLYING.clear();
        BURST_HELD.clear();
        OVERSIZE.clear();
    }

    /**
     * A counter in the checkpointed state, raised every 2 ms. Args: backup CPU ("none" or a
     * number or "any"), restart policy ("permanent" or "temporary").
     */
    public static final class Counter implements GuardianProgram {
        @Override
        public void run(ProcessContext ctx) throws InterruptedException {
            String name = ctx.name().orElseThrow().toString();
            String backupCpu = ctx.args().isEmpty() ? "none" : ctx.args().get(0);
            RestartPolicy policy = ctx.args().size() > 1 && ctx.args().get(1).equals("permanent")
                    ? RestartPolicy.permanent(5, java.time.Duration.ofSeconds(30)) : RestartPolicy.TEMPORARY;
            if (ctx.role() == PairRole.BACKUP) {
                becomePrimary(ctx, name);
            } else if (!backupCpu.equals("none")) {
                ctx.createBackup(backupCpu.equals("any") ? SpawnRequest.ANY_CPU : Integer.parseInt(backupCpu), policy);
            }
            while (!ctx.isStopRequested()) {
                ctx.readSystemMessage(java.time.Duration.ZERO)
                        .ifPresent(m -> MESSAGES.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(m));
                long next = ctx.state().getLong("counter").orElse(0L) + 1;
                String me = name + "@" + ctx.self().cpuPin();
                LAST_SENT.put(me, next);
                CheckpointResult r;
                try {
                    r = ctx.state().putLong("counter", next);
                } catch (GuardianException e) {
                    if (e.error() == 210 && ctx.role() == PairRole.BACKUP) {
                        becomePrimary(ctx, name);
                        continue;
                    }
                    throw e;
                }
                RESULTS.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(r);
                if (r == CheckpointResult.OK) {
                    LAST_ACKED.put(me, next);
                }
                Thread.sleep(2);
            }
        }

        private static void becomePrimary(ProcessContext ctx, String name) {
            String me = name + "@" + ctx.self().cpuPin();
            AWAITING.add(me);
            Takeover t;
            try {
                t = ctx.awaitTakeover(null);
            } finally {
                AWAITING.remove(me);
            }
            TAKEOVERS.add(new Object[] {t, ctx.state().getLong("counter").orElse(0L), ctx.self()});
            ctx.readSystemMessage(java.time.Duration.ZERO)
                    .ifPresent(m -> MESSAGES.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(m));
        }
    }

    /** Error numbers seen by {@link Oversize}, and its checkpoint result after the refusal. */
    public static final Map<String, Object> OVERSIZE = new ConcurrentHashMap<>();

    /** Creates a backup on CPU 1, then checkpoints one byte more than the limit, then a small one. */
    public static final class Oversize implements GuardianProgram {
        @Override
        public void run(ProcessContext ctx) throws InterruptedException {
            if (ctx.role() == PairRole.BACKUP) {
                ctx.awaitTakeover(null);
                return;
            }
            ctx.createBackup(1, RestartPolicy.TEMPORARY);
            try {
                ctx.checkpoint(new byte[ProcessContext.MAX_CHECKPOINT_BYTES + 1]);
                OVERSIZE.put("error", 0);
            } catch (GuardianException e) {
                OVERSIZE.put("error", e.error());
            }
            OVERSIZE.put("after", ctx.checkpoint(new byte[100]));
            while (!ctx.isStopRequested()) {
                Thread.sleep(50);
            }
        }
    }

    /**
     * Checkpoints the numbers 1..N as bytes; its backup checks each is the one after the last.
     * After a takeover the new primary creates a backup on any other CPU, sends its whole
     * state (the last number, encoded negative) first, and goes on. Arg: N.
     */
    public static final class SequencePair implements GuardianProgram {
        @Override
        public void run(ProcessContext ctx) {
            String name = ctx.name().orElseThrow().toString();
            long total = Long.parseLong(ctx.args().get(0));
            long[] last = {0};
            if (ctx.role() == PairRole.BACKUP) {
                ctx.awaitTakeover(bytes -> {
                    long v = java.nio.ByteBuffer.wrap(bytes).getLong();
                    if (v < 0) {
                        last[0] = -v - 1;
                    } else if (v != last[0] + 1) {
                        VIOLATIONS.add(name + ": got " + v + " after " + last[0]);
                        last[0] = v;
                    } else {
                        last[0] = v;
                    }
                });
            }
            try {
                ctx.createBackup(SpawnRequest.ANY_CPU, RestartPolicy.TEMPORARY);
            } catch (GuardianException e) {
                // no CPU: go on alone
            }
            // The whole state first: the last number, as -(last + 1) so that 0 stays distinct.
            ctx.checkpoint(java.nio.ByteBuffer.allocate(8).putLong(-last[0] - 1).array());
            for (long i = last[0] + 1; i <= total && !ctx.isStopRequested(); i++) {
                CheckpointResult r = ctx.checkpoint(java.nio.ByteBuffer.allocate(8).putLong(i).array());
                if (r == CheckpointResult.OK) {
                    last[0] = i;
                    SEQ_DONE.put(name, i);
                } else {
                    VIOLATIONS.add(name + ": no backup at " + i);
                    return;
                }
            }
            while (!ctx.isStopRequested()) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /**
     * Sends the numbers 1..count as program checkpoints, pipelined, waits until the backup holds
     * the last, then sends nothing more and idles. Its backup records what its applier got by
     * the time awaitTakeover returned. Args: backup CPU, count.
     */
    public static final class Burst implements GuardianProgram {
        @Override
        public void run(ProcessContext ctx) throws Exception {
            String name = ctx.name().orElseThrow().toString();
            if (ctx.role() == PairRole.BACKUP) {
                List<Long> got = new java.util.ArrayList<>();
                ctx.awaitTakeover(bytes -> {
                    got.add(java.nio.ByteBuffer.wrap(bytes).getLong());
                    APPLYING.put(name, got.get(got.size() - 1));
                });
                APPLIED.put(name, List.copyOf(got));
            } else {
                ctx.createBackup(Integer.parseInt(ctx.args().get(0)), RestartPolicy.TEMPORARY);
                long count = Long.parseLong(ctx.args().get(1));
                java.util.concurrent.CompletableFuture<CheckpointResult> last = null;
                for (long n = 1; n <= count; n++) {
                    last = ctx.checkpointAsync(java.nio.ByteBuffer.allocate(Long.BYTES).putLong(n).array());
                }
                if (last != null && last.get(30, java.util.concurrent.TimeUnit.SECONDS) == CheckpointResult.OK) {
                    BURST_HELD.put(name, count);
                }
            }
            while (!ctx.isStopRequested()) {
                Thread.sleep(60_000);
            }
        }
    }

    /**
     * Checkpoints as fast as it can and, as many ported servers do, returns quietly when a
     * checkpoint is refused. Its backup records the takeover, then waits for a stop. Arg: backup CPU.
     */
    public static final class Eager implements GuardianProgram {
        @Override
        public void run(ProcessContext ctx) throws InterruptedException {
            if (ctx.role() == PairRole.BACKUP) {
                TAKEOVERS.add(new Object[] {ctx.awaitTakeover(null), ctx.state().getLong("n").orElse(0L), ctx.self()});
                while (!ctx.isStopRequested()) {
                    Thread.sleep(60_000);
                }
                return;
            }
            ctx.createBackup(Integer.parseInt(ctx.args().get(0)), RestartPolicy.TEMPORARY);
            String me = ctx.name().orElseThrow() + "@" + ctx.self().cpuPin();
            for (long n = 1; !ctx.isStopRequested(); n++) {
                try {
                    ctx.state().putLong("n", n);
                } catch (GuardianException e) {
                    return;
                }
                LAST_ACKED.put(me, n);
            }
        }
    }
}
