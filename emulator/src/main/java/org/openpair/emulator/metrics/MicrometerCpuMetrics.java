package org.openpair.emulator.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.openpair.guardian.Takeover;
import org.openpair.guardian.TakeoverCause;
import org.openpair.guardian.Termination;

/**
 * The meters of one CPU, registered once at start, so a call finds its meter in a field (or an
 * enum map) rather than looking it up by name and tags. Timers keep count, sum and maximum only:
 * no percentile histograms, whose buckets would cost every request on the hot paths.
 */
final class MicrometerCpuMetrics implements CpuMetrics {
    private final Map<TakeoverCause, Counter> takeovers = new EnumMap<>(TakeoverCause.class);
    private final Timer takeoverTime;
    private final Timer checkpoint;
    private final Timer writeRead;
    private final Counter requests;
    private final Timer semaphoreWait;

    MicrometerCpuMetrics(MeterRegistry registry) {
        // Every cause from the start, at 0: a rate over a series that appears only at its first
        // takeover would miss that takeover.
        for (TakeoverCause cause : TakeoverCause.values()) {
            takeovers.put(cause, Counter.builder("openpair.takeovers").tag("cause", cause.name())
                    .description("Backups of this CPU promoted to primary, by the cause of the takeover")
                    .register(registry));
        }
        takeoverTime = Timer.builder("openpair.takeover")
                .description("From the old primary's recorded end (the survivors' verdict on a lost CPU, or the "
                        + "death on its own CPU) to the backup's promotion on this CPU; switches are not timed")
                .register(registry);
        checkpoint = Timer.builder("openpair.checkpoint")
                .description("A primary's checkpoint from its send to its backup's acknowledgement")
                .register(registry);
        writeRead = Timer.builder("openpair.writeread")
                .description("A request from its arrival at the server's $RECEIVE to its reply leaving, the reply's "
                        + "checkpoint included")
                .register(registry);
        requests = Counter.builder("openpair.requests")
                .description("Requests that arrived at the $RECEIVE of this CPU's processes").register(registry);
        semaphoreWait = Timer.builder("openpair.semaphore.wait")
                .description("A semaphore acquisition from the call to the grant").register(registry);
    }

    /** The {@code openpair_processes} gauges, one per state and kind, read from {@code census} at each scrape. */
    void countProcesses(MeterRegistry registry, ProcessCensus census) {
        for (ProcessCensus.State state : ProcessCensus.State.values()) {
            for (ProcessCensus.Kind kind : ProcessCensus.Kind.values()) {
                Gauge.builder("openpair.processes", census, c -> c.count(state, kind))
                        .tags("state", state.tag(), "kind", kind.tag())
                        .description("Processes of this CPU by pair state and kind")
                        // Micrometer holds a gauge's object weakly by default, and nobody else keeps the census.
                        .strongReference(true)
                        .register(registry);
            }
        }
    }

    /**
     * The duration is what this CPU can know without trusting anyone's guess: the old
     * primary's {@link Termination#at()} is stamped when its end is recorded, by its own CPU
     * (a process that ended) or by the survivor that retired a lost CPU's processes (after the
     * link's EOF and refused connection, or the engine's member removal). The time before that
     * (how long the loss took to be noticed) is not in it. On several machines the two clocks
     * differ: a negative difference counts as 0.
     */
    @Override
    public void takeover(Takeover takeover) {
        takeovers.get(takeover.cause()).increment();
        Termination end = takeover.termination();
        if (end != null) {
            long nanos = Duration.between(end.at(), Instant.now()).toNanos();
            takeoverTime.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void checkpointAcked(long nanos) {
        checkpoint.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void requestArrived() {
        requests.increment();
    }

    @Override
    public void replyWritten(long nanos) {
        writeRead.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void semaphoreAcquired(long nanos) {
        semaphoreWait.record(nanos, TimeUnit.NANOSECONDS);
    }
}
