package org.openpair.emulator.node;

import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import org.openpair.emulator.security.NodeKey;

/**
 * What a CPU with a node key asks of a {@link CpuTask} that arrives through the engine before it
 * runs it: a seal made with the key, for this CPU, issued within {@link #WINDOW_MILLIS} of this
 * CPU's clock, with a nonce not seen in that window. The engine (Hazelcast open source) lets
 * anyone who reaches its port submit a task to a member; without the key a stranger cannot
 * make one that runs, cannot replay one it saw, and cannot alter one in flight. A refusal is
 * error 48 to the sender and a WARNING here (at most one a second, with a count of the rest).
 *
 * <p>The window assumes the node's machines keep their clocks within a few seconds of each
 * other (NTP); a task delayed or skewed beyond it is refused, not run late. Replays are caught
 * by remembering the nonces of the window: at most {@link #MAX_REMEMBERED}; a sealed task that
 * would need more is refused (fail closed), which at 30 s takes over 3,000 engine calls a second,
 * while the node's own calls travel on the link.
 *
 * <p>A CPU without a key runs every task, as before.
 */
public final class CpuTaskGuard {
    /** Key of the guard in its member's user context, beside the CPU. */
    public static final String USER_CONTEXT_KEY = "openpair.cpu-task-guard";
    public static final long WINDOW_MILLIS = 30_000;
    static final int MAX_REMEMBERED = 100_000;
    private static final System.Logger LOG = System.getLogger(CpuTaskGuard.class.getName());

    private final NodeKey key;
    private final int cpu;
    private final java.util.function.LongSupplier clock;
    /** Nonce (hex) to its task's issue time, oldest first. */
    private final Map<String, Long> seen = new LinkedHashMap<>();
    private long lastWarning;
    private int unlogged;

    /** The guard of CPU {@code cpu}; a null key runs everything. */
    public CpuTaskGuard(NodeKey key, int cpu) {
        this(key, cpu, System::currentTimeMillis);
    }

    CpuTaskGuard(NodeKey key, int cpu, java.util.function.LongSupplier clock) {
        this.key = key;
        this.cpu = cpu;
        this.clock = clock;
    }

    /** Null if the task may run, else why not (and the refusal is logged). */
    public String refusal(CpuTask<?> task) {
        if (key == null) {
            return null;
        }
        String why = check(task);
        if (why != null) {
            warn(task, why);
            return "CPU " + cpu + " refused a call through the engine: " + why;
        }
        return null;
    }

    private String check(CpuTask<?> task) {
        CpuTask.Seal seal = task.seal();
        if (seal == null) {
            return "it carries no seal of the node key";
        }
        if (seal.nonce() == null || seal.nonce().length != CpuTask.Seal.NONCE_BYTES || seal.mac() == null) {
            return "its seal is malformed";
        }
        if (!key.verify(CpuTask.PURPOSE, seal.mac(), CpuTask.macParts(task.encodedCall(), task.isNotice(), seal.sender(),
                cpu, seal.issuedMillis(), seal.nonce()))) {
            return "its seal does not match this CPU's node key (forged, altered, or meant for another CPU)";
        }
        long now = clock.getAsLong();
        if (Math.abs(now - seal.issuedMillis()) > WINDOW_MILLIS) {
            return "it was sealed " + (now - seal.issuedMillis()) + " ms ago, outside the " + WINDOW_MILLIS
                    + " ms window (a replay, or clocks too far apart)";
        }
        String nonce = HexFormat.of().formatHex(seal.nonce());
        synchronized (seen) {
            forgetBefore(now - 2 * WINDOW_MILLIS);
            if (seen.containsKey(nonce)) {
                return "its nonce was seen before (a replay)";
            }
            if (seen.size() >= MAX_REMEMBERED) {
                return "more than " + MAX_REMEMBERED + " sealed calls in the window; refused so that no replay can pass";
            }
            seen.put(nonce, seal.issuedMillis());
        }
        return null;
    }

    /** Drops nonces old enough that their tasks fall outside the window anyway; the map is in arrival order. */
    private void forgetBefore(long cutoff) {
        Iterator<Long> it = seen.values().iterator();
        while (it.hasNext()) {
            if (it.next() >= cutoff) {
                return;
            }
            it.remove();
        }
    }

    private synchronized void warn(CpuTask<?> task, String why) {
        long now = System.nanoTime();
        if (lastWarning != 0 && now - lastWarning < 1_000_000_000L) {
            unlogged++;
            return;
        }
        lastWarning = now;
        int more = unlogged;
        unlogged = 0;
        CpuTask.Seal seal = task.seal();
        LOG.log(System.Logger.Level.WARNING, "CPU {0} refused {1} {2} through the engine{3}: {4}{5}", cpu,
                task.isNotice() ? "notice" : "call", task.cpuCall().getClass().getSimpleName(),
                seal == null ? "" : " claiming sender " + seal.sender(), why,
                more == 0 ? "" : " (" + more + " more refused in the last second)");
    }
}
