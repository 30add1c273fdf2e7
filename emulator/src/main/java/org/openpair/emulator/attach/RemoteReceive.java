package org.openpair.emulator.attach;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.Receive;
import org.openpair.guardian.ReceiveInfo;
import org.openpair.guardian.ReceivedRequest;

/**
 * The $RECEIVE of a Java OS process: the CPU holds the queue and the requests read from it (and
 * the replies saved for a takeover); the child reads through it and replies to a request by the
 * ID the CPU gave it.
 */
final class RemoteReceive implements Receive {
    private final AttachClient client;
    private final int depth;

    RemoteReceive(AttachClient client, int depth) {
        this.client = client;
        this.depth = depth;
    }

    @Override
    public int receiveDepth() {
        return depth;
    }

    @Override
    public Optional<ReceivedRequest> readUpdate(Duration timeout) {
        return client.call(AttachCalls.READ_UPDATE, AttachCodecs.timeout(timeout))
                .map(u -> new RemoteRequest(client, u.request(), u.data(), u.info()));
    }

    /** A request read from $RECEIVE, answered through the CPU that holds it. */
    private static final class RemoteRequest implements ReceivedRequest {
        private final AttachClient client;
        private final long id;
        private final byte[] data;
        private final ReceiveInfo info;

        RemoteRequest(AttachClient client, long id, byte[] data, ReceiveInfo info) {
            this.client = client;
            this.id = id;
            this.data = data;
            this.info = info;
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public ReceiveInfo info() {
            return info;
        }

        @Override
        public CompletableFuture<CheckpointResult> reply(byte[] reply) {
            return reply(reply, new byte[0]);
        }

        @Override
        public CompletableFuture<CheckpointResult> reply(byte[] reply, byte[] checkpoint) {
            return client.callAsync(AttachCalls.REPLY, new AttachCodecs.Reply(id, reply, checkpoint, null));
        }

        @Override
        public CompletableFuture<CheckpointResult> reply(byte[] reply, Map<String, String> stateChanges) {
            return client.callAsync(AttachCalls.REPLY, new AttachCodecs.Reply(id, reply, null, stateChanges));
        }
    }
}
