package org.openpair.emulator.link;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;

/**
 * The one reconnect that tells a dead JVM from a broken connection (DESIGN.md, "Faster than
 * the engine"): when a JVM dies on a live machine its kernel closes its sockets and refuses
 * connections to its port, so EOF followed by a refused connect is evidence of death. The
 * kernel does not close a dead process's sockets in a fixed order, though (measured: after a
 * kill -9 the listening port still completed the probe's connect in 4 runs of 10, then reset
 * it), so the probe says HELLO and waits for the answer: a live link server answers within
 * microseconds, a dying one resets or closes the probe unanswered, which is evidence too.
 * Anything else, a timeout above all, is not: that may be a partition, which only the
 * heartbeat and quorum decide.
 */
final class PeerProbe {
    /** The probe is "immediate": a live kernel refuses, and a live server answers, in microseconds. */
    static final Duration MAX_WAIT = Duration.ofSeconds(1);

    /** What the probe found. */
    enum Outcome {
        /** The kernel refused the connect: nothing listens on the port. */
        REFUSED,
        /** The port accepted the connect, then reset or closed it before answering HELLO. */
        DROPPED,
        /** A link server answered: the CPU lives. */
        ANSWERED,
        /** Nothing conclusive within the wait: not evidence of anything. */
        SILENT;

        /** Whether this is evidence that the peer's JVM is gone. */
        boolean gone() {
            return this == REFUSED || this == DROPPED;
        }
    }

    private PeerProbe() {
    }

    /** Connects to {@code address}, says {@code hello} and waits for the answer, at most {@code timeout} and {@link #MAX_WAIT}. */
    static Outcome probe(InetSocketAddress address, Hello hello, Duration timeout) {
        long millis = Math.max(1, Math.min(timeout.toMillis(), MAX_WAIT.toMillis()));
        long deadline = System.nanoTime() + millis * 1_000_000;
        try (Socket probe = new Socket()) {
            try {
                probe.connect(address, (int) millis);
            } catch (ConnectException e) {
                return refused(e) ? Outcome.REFUSED : Outcome.SILENT;
            }
            probe.setTcpNoDelay(true);
            probe.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            probe.getOutputStream().write(helloFrame(hello));
            InputStream in = probe.getInputStream();
            return in.read() < 0 ? Outcome.DROPPED : Outcome.ANSWERED;
        } catch (SocketTimeoutException e) {
            return Outcome.SILENT;
        } catch (IOException e) {
            // reset or broken pipe on a connection the port had just accepted: the listener died with it
            return Outcome.DROPPED;
        } catch (RuntimeException e) {
            return Outcome.SILENT;
        }
    }

    /**
     * Whether a failed connect was refused by the peer's kernel (ECONNREFUSED: the machine
     * answered, nothing listens on the port). The JDK throws the same ConnectException for
     * ETIMEDOUT and ENOTCONN, and only its message tells them apart (an unreachable host is a
     * NoRouteToHostException, caught as silence by the caller). Only a refusal is evidence;
     * whatever a partition can produce is silence.
     */
    static boolean refused(ConnectException e) {
        String message = e.getMessage();
        return message != null && message.toLowerCase(Locale.ROOT).contains("connection refused");
    }

    private static byte[] helloFrame(Hello hello) {
        ByteBuffer payload = hello.encode();
        return ByteBuffer.allocate(FrameFormat.OVERHEAD + payload.remaining())
                .putInt(FrameFormat.HEADER_BYTES + payload.remaining())
                .put(FrameFormat.VERSION).put(FrameType.HELLO.code).putLong(0).putLong(0).putLong(hello.kind())
                .put(payload).array();
    }
}
