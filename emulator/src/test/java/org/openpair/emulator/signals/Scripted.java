package org.openpair.emulator.signals;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * A hosted program whose body a test supplies: the test's lambda runs as a real process on a
 * real CPU, and its result (or the assertion it failed) comes back through {@link #result}.
 */
public final class Scripted implements GuardianProgram {
    /** What a scripted process runs. */
    @FunctionalInterface
    public interface Body {
        Object run(ProcessContext ctx) throws Exception;
    }

    private static final Map<String, Body> BODIES = new ConcurrentHashMap<>();
    private static final Map<String, CompletableFuture<Object>> RESULTS = new ConcurrentHashMap<>();
    private static final AtomicLong SEQ = new AtomicLong();

    /** A running scripted process. */
    public record Run(ProcessHandle handle, CompletableFuture<Object> result) {
        /** The body's result, or the failure it threw, within 30 s. */
        public Object await() {
            try {
                return result.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw new AssertionError("the scripted process failed", e.getCause());
            } catch (TimeoutException | InterruptedException e) {
                throw new AssertionError("the scripted process gave no result within 30 s", e);
            }
        }
    }

    /** Spawns a process on {@code cpu} running {@code body}, named {@code name} if not null. */
    public static Run start(Guardian g, int cpu, String name, Body body) {
        String key = "s" + SEQ.incrementAndGet();
        BODIES.put(key, body);
        CompletableFuture<Object> result = new CompletableFuture<>();
        RESULTS.put(key, result);
        SpawnRequest.Builder b = SpawnRequest.of(Program.hosted(Scripted.class)).cpu(cpu).args(key);
        if (name != null) {
            b.name(name);
        }
        return new Run(g.processSpawn(b.build()), result);
    }

    @Override
    public void run(ProcessContext ctx) throws Exception {
        String key = ctx.args().get(0);
        CompletableFuture<Object> result = RESULTS.remove(key);
        try {
            result.complete(BODIES.remove(key).run(ctx));
        } catch (Throwable t) {
            result.completeExceptionally(t);
            throw t;
        }
    }

    /** Waits, polling, until {@code condition} holds; fails after {@code bound}. */
    public static void await(String what, Duration bound, BooleanSupplier condition) {
        org.openpair.emulator.TestNodes.await(what, bound, condition);
    }

    /** The CPU time of the calling thread, in nanoseconds. */
    public static long threadCpu() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** Burns {@code nanos} of the calling thread's CPU time (bounded by 60 s of wall time). */
    public static void spinCpu(long nanos) {
        long start = threadCpu();
        long wallEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long x = 0;
        while (threadCpu() - start < nanos && System.nanoTime() < wallEnd) {
            for (int i = 0; i < 10_000; i++) {
                x += i ^ (x >>> 3);
            }
        }
        if (x == 42) {
            System.out.print("");
        }
    }
}
