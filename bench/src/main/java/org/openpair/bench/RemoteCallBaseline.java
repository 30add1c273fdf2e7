package org.openpair.bench;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;

import org.openpair.emulator.cluster.EchoTask;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * The Hazelcast yardstick of {@code guardian bench writeread}: Hazelcast's own request/reply,
 * an {@link IExecutorService#submitToMember} of a tiny task to another member that hands its
 * payload back, waited for on the caller's thread. It is what a message system built on
 * Hazelcast would cost per request before any checkpoint: a request to the member, a run on its
 * executor thread, the answer back. The task is an {@link EchoTask}, encoded as cheaply as
 * Hazelcast's own serialization would (its length, then its bytes), not Java serialization.
 *
 * <p>Used by {@link WriteReadBenchmark}; run with {@code ./guardian bench writeread}.
 */
final class RemoteCallBaseline {
    static final String EXECUTOR = "bench.echo";
    private static final long CALL_LIMIT_SECONDS = 30;

    private final IExecutorService executor;
    private final Member target;

    /**
     * @param from   the member that calls
     * @param target the member that runs the task
     */
    RemoteCallBaseline(HazelcastInstance from, Member target) {
        this.executor = from.getExecutorService(EXECUTOR);
        this.target = target;
    }

    /** One call: {@code payload} to the target and back; fails unless the same bytes came back. */
    byte[] call(byte[] payload) {
        byte[] back;
        try {
            back = executor.submitToMember(new EchoTask(payload), target).get(CALL_LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted during an executor call");
        } catch (ExecutionException e) {
            throw new IllegalStateException("the executor call failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new GuardianException(GuardianError.TIMED_OUT, "an executor call took more than " + CALL_LIMIT_SECONDS
                    + " s");
        }
        if (back == null || back.length != payload.length) {
            throw new IllegalStateException("the executor call returned " + (back == null ? "nothing" : back.length
                    + " bytes") + " for " + payload.length);
        }
        return back;
    }
}
