package org.openpair.guardian;

import java.util.concurrent.CompletableFuture;

/**
 * One request read from $RECEIVE. It must be replied to exactly once; the receive depth
 * counts it until then.
 */
public interface ReceivedRequest {

    /** The request bytes. */
    byte[] data();

    /** FILE_GETRECEIVEINFO_: who sent it, on which open, with which sync ID. */
    ReceiveInfo info();

    /** {@link #reply(byte[], byte[])} with nothing to checkpoint but the reply itself. */
    CompletableFuture<CheckpointResult> reply(byte[] reply);

    /**
     * REPLY: checkpoints {@code checkpoint} (the state change this request made, handed to the
     * backup's applier like any {@link ProcessContext#checkpoint} bytes; may be empty) together
     * with the saved reply, then sends the reply once the backup holds both. Returns at once;
     * the future completes when the reply has left: {@link CheckpointResult#OK} (the backup
     * holds it) or {@link CheckpointResult#NO_BACKUP}. A primary fenced meanwhile never sends
     * it (the future fails with 210), and the requester resends to the new primary.
     *
     * @throws GuardianException 22 the reply is over {@link ProcessFile#MAX_MESSAGE_BYTES} or
     *                           reply and checkpoint together over
     *                           {@link ProcessContext#MAX_CHECKPOINT_BYTES}; 2 already replied
     */
    CompletableFuture<CheckpointResult> reply(byte[] reply, byte[] checkpoint);

    /**
     * REPLY with changes to the checkpointed key-value state ({@link ProcessContext#state()}):
     * the changes are made at once in this process and reach the backup together with the
     * saved reply, as one checkpoint; otherwise as {@link #reply(byte[], byte[])}. Unlike
     * checkpoint bytes, the key-value state is also what a newly created backup starts from,
     * so this is the form for a server whose whole state lives there.
     */
    CompletableFuture<CheckpointResult> reply(byte[] reply, java.util.Map<String, String> stateChanges);
}
