package org.openpair.emulator.events;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.cluster.Ring;

/**
 * One CPU's writer of the event log: what {@link #emit} hands it goes to the node's ring, where
 * {@code guardian events} on any machine reads every CPU's events, and to the CPU's own
 * {@code <log-dir>/cpuN/events.log} (JSON lines), which outlives the engine. The act that
 * emits only offers the event to a bounded queue: writing never blocks or fails it. A full
 * queue (a ring or disk that stalls) drops the event, counts it and says so in the log.
 */
public final class EventLog implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventLog.class.getName());
    /** The node's ring of events. */
    public static final String RING = "openpair.events";
    /** How many events the ring keeps: the newest; a full ring overwrites its oldest. */
    public static final int RING_CAPACITY = 10_000;
    /** Events waiting for the writer; more are dropped. */
    static final int QUEUE_CAPACITY = 1024;
    /** How long the writer waits for the ring to take one event before it writes the file alone. */
    private static final long RING_BOUND_MILLIS = 5000;

    /** The logs of the CPUs this JVM runs, by node and CPU: how the sites that emit find theirs. */
    private static final Map<String, EventLog> LOGS = new ConcurrentHashMap<>();

    private final String node;
    private final int cpu;
    private final Ring<EventRecord> ring;
    private final Path file;
    private final BlockingQueue<EventRecord> queue;
    /**
     * Put behind the last event by {@link #close(long)}: it wakes a writer waiting in its poll at
     * once. Without it every CPU's shutdown waited out the poll's second (a 3-CPU node took up to
     * three seconds longer to close; the test suite's node-per-test classes paid it each time).
     */
    private final EventRecord stop;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final EventReads reads;
    private final Thread writer;
    private final long pollMillis;
    private volatile boolean closed;

    EventLog(String node, int cpu, Ring<EventRecord> ring, Path file, int queueCapacity) {
        this(node, cpu, ring, file, queueCapacity, 1000);
    }

    /** With the writer's idle poll of {@code pollMillis}: a test makes it long to show close never waits it out. */
    EventLog(String node, int cpu, Ring<EventRecord> ring, Path file, int queueCapacity, long pollMillis) {
        this.pollMillis = pollMillis;
        this.node = node;
        this.cpu = cpu;
        this.ring = ring;
        this.file = file;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.stop = new EventRecord(-1, Instant.EPOCH, node, cpu, new Event.CpuUp(cpu, "(the log is closing)"));
        this.reads = new EventReads(ring);
        this.writer = new Thread(this::drain, "cpu" + cpu + "-events");
        writer.setDaemon(true);
    }

    /**
     * Starts CPU {@code cpu}'s log over {@code engine}'s ring and {@code logDir/cpuN/events.log},
     * and makes it the one {@link #emit} finds for that CPU.
     */
    public static EventLog start(Engine engine, String node, int cpu, Path logDir) {
        return new EventLog(node, cpu, engine.eventRing(RING, RING_CAPACITY),
                logDir.resolve("cpu" + cpu).resolve("events.log"), QUEUE_CAPACITY).start();
    }

    /** Starts the writer and registers this log as its CPU's. */
    EventLog start() {
        writer.start();
        LOGS.put(key(node, cpu), this);
        return this;
    }

    /**
     * Logs {@code event} as CPU {@code cpu} of {@code node}: never blocks, never throws. Nothing
     * happens in a JVM that does not run that CPU (the command's).
     */
    public static void emit(String node, int cpu, Event event) {
        EventLog log = LOGS.get(key(node, cpu));
        if (log != null) {
            log.append(event);
        }
    }

    /** The log of CPU {@code cpu} of {@code node}, if this JVM runs it. */
    public static Optional<EventLog> of(String node, int cpu) {
        return Optional.ofNullable(LOGS.get(key(node, cpu)));
    }

    /** A reader of the node's ring for a JVM that runs no CPU of it (the command's engine client). */
    public static EventReads reader(Engine client) {
        return new EventReads(client.eventRing(RING, RING_CAPACITY));
    }

    private static String key(String node, int cpu) {
        return node + "/" + cpu;
    }

    /** Offers {@code event} to the writer; false (and counted) when the queue is full or the log closed. */
    boolean append(Event event) {
        try {
            if (!closed && queue.offer(new EventRecord(-1, Instant.now(), node, cpu, event))) {
                return true;
            }
            long n = dropped.incrementAndGet();
            // Every drop is counted; the log says so at the first and then at each power of two.
            if (Long.bitCount(n) == 1) {
                LOG.log(System.Logger.Level.WARNING, "CPU {0}: event log {1}: dropped {2} event(s) so far, the "
                        + "latest {3}", cpu, closed ? "closed" : "queue full", n, event.kind());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "CPU {0}: could not log {1}: {2}", cpu, event.kind(), e.toString());
        }
        return false;
    }

    /** Reads the node's ring, as the {@code EVENTS} call asks. */
    public EventBatch read(EventQuery query) throws InterruptedException {
        return reads.read(query);
    }

    /** Whether the writer thread has ended (after {@link #close(long)}). */
    boolean writerEnded() {
        return !writer.isAlive();
    }

    /** Events this log dropped. */
    public long dropped() {
        return dropped.get();
    }

    /** Events the writer has finished with (in the ring, the file or both). */
    public long written() {
        return written.get();
    }

    private void drain() {
        Writer out = null;
        try {
            while (!closed || !queue.isEmpty()) {
                EventRecord r = queue.poll(pollMillis, TimeUnit.MILLISECONDS);
                if (r == null || r == stop) {
                    continue;
                }
                EventRecord placed = r;
                try {
                    placed = r.at(ring.add(r).get(RING_BOUND_MILLIS, TimeUnit.MILLISECONDS));
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.DEBUG, "CPU {0}: event not in the node''s ring: {1}", cpu, e.toString());
                }
                try {
                    if (out == null) {
                        Files.createDirectories(file.getParent());
                        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                                StandardOpenOption.APPEND, StandardOpenOption.WRITE);
                    }
                    out.write(placed.json());
                    out.write('\n');
                    if (queue.isEmpty()) {
                        out.flush();
                    }
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "CPU {0}: cannot write {1}: {2}", cpu, file, e.toString());
                }
                written.incrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (out != null) {
                try {
                    out.close();
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.DEBUG, "CPU {0}: closing {1}: {2}", cpu, file, e.toString());
                }
            }
        }
    }

    /**
     * Stops taking events and lets the writer finish the queued ones for up to {@code boundMillis}
     * (the ring may be gone already: the file still gets them); a writer still stuck then is left,
     * a daemon, and what it held is lost.
     */
    public void close(long boundMillis) {
        closed = true;
        LOGS.remove(key(node, cpu), this);
        // When the queue is full the writer is not waiting: it sees closed once it has drained.
        queue.offer(stop);
        try {
            writer.join(boundMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            writer.interrupt();
        }
    }

    @Override
    public void close() {
        close(2000);
    }
}
