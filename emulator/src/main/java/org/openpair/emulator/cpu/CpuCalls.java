package org.openpair.emulator.cpu;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

import org.openpair.emulator.link.LinkClient;
import org.openpair.emulator.link.ReplyPath;
import org.openpair.emulator.link.RequestHandler;
import org.openpair.emulator.node.CpuCallCodecs;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.CpuService;
import org.openpair.emulator.node.CpuTask;
import org.openpair.emulator.threads.SystemThreads;
import org.openpair.guardian.GuardianError;

/**
 * Calls one CPU makes on another and waits for (a spawn, a stop, a kill) over the CPU link
 * instead of the engine's member calls: a REQUEST and its REPLY on the link's open
 * {@value #OPEN}, which no process open ever takes ({@code messages.ProcessOpen} draws nonzero
 * open IDs), so they share the connections and the frame format of WRITEREAD. The payloads are
 * the node's codec, as on the engine: a {@link CpuTask.CpuCall} going, a {@link CpuTask.Reply}
 * coming back ({@link CpuCallCodecs}).
 *
 * <p>A call runs on one of the receiving CPU's own threads, never the link's reader (a spawn
 * writes the node's tables and may wait for them). A call is sent on the link only when a
 * connection to that CPU is up: otherwise the engine carries it, and the link is made for the
 * next one. A call written before its link broke is not sent again: it may have run.
 */
final class CpuCalls implements CpuRouter.CallLane, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CpuCalls.class.getName());
    /** The link open CPU calls travel on. */
    static final long OPEN = 0;

    private final int self;
    private final IntFunction<LinkClient> connected;
    private final IntConsumer connectLater;
    private final AtomicLong syncIds = new AtomicLong();
    private final AtomicLong served = new AtomicLong();
    private final ExecutorService runner;
    private volatile CpuService service;

    /**
     * @param connected the link to a CPU if it is up, else null
     * @param connectLater makes the link to a CPU in the background
     */
    CpuCalls(int self, IntFunction<LinkClient> connected, IntConsumer connectLater) {
        this.self = self;
        this.connected = connected;
        this.connectLater = connectLater;
        this.runner = Executors.newCachedThreadPool(r -> SystemThreads.daemon(r, "cpu" + self + "-calls"));
    }

    /** Calls received from now on run against {@code cpu}; until then they are refused with 66. */
    void serve(CpuService cpu) {
        this.service = cpu;
    }

    @Override
    public CompletableFuture<CpuTask.Reply<?>> send(int cpu, CpuTask.CpuCall<?> call) {
        LinkClient client = connected.apply(cpu);
        if (client == null || !client.isUp()) {
            connectLater.accept(cpu);
            return null;
        }
        byte[] bytes = CpuCallCodecs.CALL.encode(call);
        return client.request(OPEN, syncIds.incrementAndGet(), ByteBuffer.wrap(bytes))
                .thenApply(reply -> CpuCallCodecs.REPLY.decode(reply.payload()));
    }


    /** The requests of this CPU's link server: CPU calls here, every other open to {@code messages}. */
    RequestHandler handler(RequestHandler messages) {
        return (openId, syncId, payload, path) -> {
            if (openId == OPEN) {
                receive(syncId, payload, path);
            } else {
                messages.onRequest(openId, syncId, payload, path);
            }
        };
    }

    /** A call arrived (the link's reader thread): decode it here, run it on this CPU's threads. */
    private void receive(long syncId, ByteBuffer payload, ReplyPath path) {
        CpuTask.CpuCall<?> call;
        try {
            call = CpuCallCodecs.CALL.decode(payload);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "CPU {0}: refused a call from {1} it cannot read: {2}", self, path,
                    e.toString());
            answer(path, syncId, new CpuTask.Reply<>(null, GuardianError.INVALID_OPERATION.number(),
                    "CPU " + self + " cannot read the call: " + e.getMessage()));
            return;
        }
        CpuService cpu = service;
        if (cpu == null) {
            answer(path, syncId, new CpuTask.Reply<>(null, GuardianError.DEVICE_DOWN.number(),
                    "CPU " + self + " does not serve calls yet"));
            return;
        }
        try {
            runner.execute(() -> {
                served.incrementAndGet();
                answer(path, syncId, CpuTask.of(call).runAgainst(cpu));
            });
        } catch (RejectedExecutionException closing) {
            answer(path, syncId, new CpuTask.Reply<>(null, GuardianError.DEVICE_DOWN.number(), "CPU " + self + " is down"));
        }
    }

    private void answer(ReplyPath path, long syncId, CpuTask.Reply<?> reply) {
        byte[] bytes;
        try {
            bytes = CpuCallCodecs.REPLY.encode(reply);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "CPU {0}: cannot encode the answer {1}: {2}", self, reply, e.toString());
            bytes = CpuCallCodecs.REPLY.encode(new CpuTask.Reply<>(null, GuardianError.INVALID_OPERATION.number(),
                    "CPU " + self + " cannot encode its answer: " + e.getMessage()));
        }
        // A requester whose link is gone asked the engine or gave up; the answer is dropped.
        path.reply(OPEN, syncId, 0, ByteBuffer.wrap(bytes));
    }

    /** True when a call to {@code cpu} would go on the link now. */
    boolean linkedTo(int cpu) {
        LinkClient client = connected.apply(cpu);
        return client != null && client.isUp();
    }

    /** How many calls this CPU ran for others from the link. */
    long served() {
        return served.get();
    }

    @Override
    public void close() {
        runner.shutdownNow();
    }
}
