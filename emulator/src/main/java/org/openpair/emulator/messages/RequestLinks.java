package org.openpair.emulator.messages;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

import org.openpair.emulator.link.LinkReply;

/**
 * How a requester reaches the message system of another CPU: a CPU uses its own links (the
 * ones its checkpoints travel on), the {@code guardian} command connects as a requester.
 */
public interface RequestLinks {

    /**
     * Sends one request to {@code cpu}. The future fails with a
     * {@link org.openpair.emulator.link.LinkException} if the CPU cannot be reached or the link
     * goes down before the reply.
     */
    CompletableFuture<LinkReply> request(int cpu, long openId, long syncId, ByteBuffer payload);

    /**
     * Before the requester waits on {@code reply}: lets it read the link to {@code cpu} for a
     * moment ({@link org.openpair.emulator.link.LinkClient#pollForReply}). Nothing where there is
     * no such link up.
     */
    default void pollForReply(int cpu, CompletableFuture<LinkReply> reply, long sentNanos) {
    }
}
