package org.openpair.emulator.cpu;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

import org.openpair.emulator.node.CpuCallCodecs;
import org.openpair.emulator.link.CheckpointStream;
import org.openpair.emulator.link.LinkClient;
import org.openpair.emulator.link.Verdict;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.CpuService;
import org.openpair.emulator.node.CpuTask;
import org.openpair.emulator.threads.SystemThreads;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * Notifications between CPUs (promote this backup, your backup died, stop this unready
 * backup) over the CPU link instead of Hazelcast's executor: a takeover's last hop then costs
 * a TCP round trip's worth (tens of µs) rather than the executor's wake-ups (a millisecond or
 * more when the node was idle). They travel on a reserved stream of the link,
 * {@value #STREAM}, beside the checkpoints and in order with them; checkpoint streams are
 * backup verifiers, which are positive.
 *
 * <p>An ACK means the receiving CPU has queued the notification for one of its own threads
 * (never the link's: a promotion may open links itself). Whenever the link cannot say that, the
 * notification goes the slow way as well (see {@link CpuRouter.NoticeLane}): the receivers of
 * notifications ignore a repeat (a promotion carries the new epoch, a death the dead handle).
 * Payloads are {@link CpuTask.CpuCall}s in the node's codec ({@link CpuCallCodecs#CALL}), as on
 * the executor: plain fields behind a type id, so a payload can only ever be one of the calls.
 */
final class CpuNotices implements CpuRouter.NoticeLane, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CpuNotices.class.getName());
    /** The link stream notifications travel on. */
    static final long STREAM = -1;

    private final int self;
    private final IntFunction<LinkClient> connected;
    private final IntConsumer connectLater;
    private final Map<Integer, Sender> senders = new HashMap<>();
    /** Runs received notifications, and the fallbacks of sends the link could not confirm. */
    private final ExecutorService runner;
    private volatile CpuService service;
    private final java.util.concurrent.atomic.AtomicLong accepted = new java.util.concurrent.atomic.AtomicLong();
    /** While set, what this CPU's own threads run waits for it first: a late delivery, for tests. */
    private volatile CountDownLatch held;

    private record Sender(LinkClient client, CheckpointStream stream) {
    }

    /**
     * @param connected the link to a CPU if it is up, else null
     * @param connectLater makes the link to a CPU in the background
     */
    CpuNotices(int self, IntFunction<LinkClient> connected, IntConsumer connectLater) {
        this.self = self;
        this.connected = connected;
        this.connectLater = connectLater;
        this.runner = Executors.newCachedThreadPool(r -> SystemThreads.daemon(r, "cpu" + self + "-notices"));
    }

    /** Notifications received from now on run against {@code cpu}; until then they are refused. */
    void serve(CpuService cpu) {
        this.service = cpu;
    }

    @Override
    public boolean deliver(int cpu, CpuTask.CpuCall<?> call, Runnable fallback) {
        byte[] bytes;
        CompletableFuture<Long> acked;
        try {
            CheckpointStream stream = stream(cpu);
            if (stream == null) {
                connectLater.accept(cpu);
                return false;
            }
            bytes = encode(call);
            acked = stream.send(bytes);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "CPU {0}: notification {1} to CPU {2} not sent on the link: {3}",
                    self, call, cpu, e.toString());
            return false;
        }
        acked.whenComplete((seq, failure) -> {
            if (failure != null) {
                LOG.log(System.Logger.Level.INFO, "CPU {0}: notification {1} to CPU {2} not confirmed on the link "
                        + "({3}); sending it through the node", self, call, cpu, failure.toString());
                try {
                    runner.execute(fallback);
                } catch (RejectedExecutionException e) {
                    // This CPU is closing: its own notifications no longer matter.
                }
            }
        });
        return true;
    }


    /** The notification stream to {@code cpu} on the current link to it; null if there is no link now. */
    private CheckpointStream stream(int cpu) {
        synchronized (senders) {
            LinkClient client = connected.apply(cpu);
            if (client == null) {
                return null;
            }
            Sender s = senders.get(cpu);
            if (s == null || s.client() != client) {
                if (s != null) {
                    s.stream().close();
                }
                s = new Sender(client, client.open(STREAM, 0, 1));
                senders.put(cpu, s);
            }
            return s.stream();
        }
    }

    /** A notification arrived on the link (its reader thread): decode, queue, acknowledge. */
    Verdict receive(ByteBuffer payload) {
        CpuService cpu = service;
        if (cpu == null) {
            // Not holding its number yet: the sender falls back to the executor, which says so.
            return Verdict.UNKNOWN_STREAM;
        }
        CpuTask.CpuCall<?> call;
        try {
            call = decode(payload);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "CPU {0}: refused a notification it cannot read: {1}", self,
                    e.toString());
            return Verdict.HANDLER_FAILED;
        }
        accepted.incrementAndGet();
        if (call instanceof CpuTask.Promote p && p.newBackup() == null) {
            // A takeover only queues the takeover behind the checkpoints the backup holds (no
            // link, no table, no wait): done here, it saves a thread wake-up on the critical path.
            runLogged(cpu, call);
        } else {
            runner.execute(() -> runHeld(cpu, call));
        }
        return Verdict.ACCEPT;
    }

    /**
     * Runs a notification that came the slow way (Hazelcast's executor) on this CPU's own
     * threads, as one from the link: the executor's thread is the engine's and returns at once.
     */
    void run(CpuTask.CpuCall<?> call) {
        CpuService cpu = service;
        if (cpu == null) {
            throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + self + " does not serve calls yet");
        }
        try {
            runner.execute(() -> runHeld(cpu, call));
        } catch (RejectedExecutionException closing) {
            throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + self + " is down");
        }
    }

    /**
     * For tests: the notifications this CPU runs on its own threads from now on (a promotion
     * that names a new backup, a partner's death, a CPU up; not a takeover's promotion, which
     * the link's reader runs) wait until {@link #releaseForTests}, as if they were slow to arrive.
     */
    void holdForTests() {
        held = new CountDownLatch(1);
    }

    /** Lets the notifications {@link #holdForTests} held run, and those after them at once. */
    void releaseForTests() {
        CountDownLatch h = held;
        held = null;
        if (h != null) {
            h.countDown();
        }
    }

    private void runHeld(CpuService cpu, CpuTask.CpuCall<?> call) {
        CountDownLatch h = held;
        if (h != null) {
            try {
                h.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        runLogged(cpu, call);
    }

    private void runLogged(CpuService cpu, CpuTask.CpuCall<?> call) {
        try {
            call.call(cpu);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "CPU {0}: notification {1} failed: {2}", self, call, e.toString());
        }
    }

    /** How many notifications this CPU accepted from the link. */
    long accepted() {
        return accepted.get();
    }

    static byte[] encode(CpuTask.CpuCall<?> call) {
        return CpuCallCodecs.CALL.encode(call);
    }

    /** @throws org.openpair.emulator.codec.CodecException if the payload is not a CPU call */
    static CpuTask.CpuCall<?> decode(ByteBuffer payload) {
        return CpuCallCodecs.CALL.decode(payload);
    }

    @Override
    public void close() {
        synchronized (senders) {
            senders.values().forEach(s -> s.stream().close());
            senders.clear();
        }
        runner.shutdownNow();
    }
}
