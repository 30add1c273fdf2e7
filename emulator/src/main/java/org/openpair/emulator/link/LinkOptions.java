package org.openpair.emulator.link;

import java.time.Duration;
import java.util.Objects;

import org.openpair.emulator.security.NodeKey;

/**
 * The limits of a link end, the same record for {@link LinkServer} and {@link LinkClient}.
 * Start from {@link #defaults()} and change what differs.
 *
 * @param maxPayload     the largest checkpoint payload, in bytes, this end sends or accepts
 *                       (default 1 MiB); the two ends exchange theirs and a client refuses
 *                       locally anything over the smaller one
 * @param connectTimeout how long {@link LinkClient#connect} waits for the TCP connect and the
 *                       server's HELLO (default 5 s); the death probe after a dropped
 *                       connection waits at most this long, and at most 1 s
 * @param stallTimeout   how long a connection may go without a byte in the middle of a frame,
 *                       or before its HELLO, before it is closed as stalled (default 10 s);
 *                       silence between frames is never cut short
 * @param key            the node key both ends must prove they hold before anything but the
 *                       handshake crosses the connection; null: the node runs without one, and
 *                       a peer that has one is refused (see {@link LinkProof})
 */
public record LinkOptions(int maxPayload, Duration connectTimeout, Duration stallTimeout, NodeKey key) {
    /** A 1 MiB checkpoint (or message) with room for the record header the pair or message system adds. */
    public static final int DEFAULT_MAX_PAYLOAD = (1 << 20) + 4096;
    /** Larger frames would make the per-connection buffers a memory hazard. */
    public static final int MAX_MAX_PAYLOAD = 64 << 20;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(10);

    public LinkOptions {
        if (maxPayload < 1 || maxPayload > MAX_MAX_PAYLOAD) {
            throw new IllegalArgumentException("maxPayload must be 1.." + MAX_MAX_PAYLOAD + " bytes: " + maxPayload);
        }
        requirePositive("connectTimeout", connectTimeout);
        requirePositive("stallTimeout", stallTimeout);
    }

    /** Options without a node key. */
    public LinkOptions(int maxPayload, Duration connectTimeout, Duration stallTimeout) {
        this(maxPayload, connectTimeout, stallTimeout, null);
    }

    /** 1 MiB payloads, 5 s to connect, 10 s of stall. */
    public static LinkOptions defaults() {
        return new LinkOptions(DEFAULT_MAX_PAYLOAD, DEFAULT_CONNECT_TIMEOUT, DEFAULT_STALL_TIMEOUT);
    }

    public LinkOptions withMaxPayload(int bytes) {
        return new LinkOptions(bytes, connectTimeout, stallTimeout, key);
    }

    public LinkOptions withConnectTimeout(Duration timeout) {
        return new LinkOptions(maxPayload, timeout, stallTimeout, key);
    }

    public LinkOptions withStallTimeout(Duration timeout) {
        return new LinkOptions(maxPayload, connectTimeout, timeout, key);
    }

    /** These options with the node key {@code nodeKey} (null for none). */
    public LinkOptions withKey(NodeKey nodeKey) {
        return new LinkOptions(maxPayload, connectTimeout, stallTimeout, nodeKey);
    }

    private static void requirePositive(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
    }
}
