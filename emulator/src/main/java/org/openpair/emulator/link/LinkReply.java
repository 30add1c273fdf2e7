package org.openpair.emulator.link;

/**
 * A REPLY received by a {@link LinkClient}.
 *
 * @param epoch   the epoch of the process that replied
 * @param payload the reply bytes (a copy)
 */
public record LinkReply(long epoch, byte[] payload) {
}
