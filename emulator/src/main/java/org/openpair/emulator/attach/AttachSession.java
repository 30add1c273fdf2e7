package org.openpair.emulator.attach;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import org.openpair.emulator.attach.AttachCodecs.Nothing;
import org.openpair.emulator.attach.AttachFrames.Frame;
import org.openpair.emulator.codec.CodecException;
import org.openpair.emulator.security.NodeKey;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Signal;

/**
 * One connection on a CPU's attach socket, from HELLO to close, read by one thread: it checks
 * the child's secret, hands each call to the {@link CallTable} the API areas fill
 * ({@link ProcessCalls}, {@link MessageCalls}, {@link SemaphoreCalls}, {@link GuardianCalls}),
 * queues answers in its {@link AttachOutbox}, and reports how the connection ended. Whatever the
 * peer sends that breaks the protocol closes this connection with a logged error and nothing
 * else: for an attached process that is its death, as a lost socket is.
 */
final class AttachSession implements Attachee.Attachment {
    private static final System.Logger LOG = System.getLogger(AttachSession.class.getName());
    /** Calls of one process that may wait on the CPU at once; further ones are refused with 44. */
    static final int MAX_WAITING = 64;
    /** Answers queued for a child beyond this mean it stopped reading: its connection is closed. */
    static final long MAX_QUEUED_BYTES = 64L << 20;
    /** A backup's awaitTakeover waits while this much is queued, instead of queueing more. */
    static final long APPLY_PAUSE_BYTES = 8L << 20;
    /** Opens (and, apart, semaphores) one process may hold through the socket; further ones are refused with 44. */
    static final int MAX_FILES = 1024;

    private final AttachServer server;
    private final AttachChannel channel;
    private final AttachOutbox outbox;
    private final long openedAt = System.nanoTime();
    private final CallTable calls;
    private volatile Attachee attachee;
    /** HELLO was accepted: an attached process's, or a guest's on the admin socket. */
    private volatile boolean welcomed;
    private volatile boolean guest;
    /** A keyed guest was welcomed and challenged: its PROOF must come before any CALL. */
    private boolean proofPending;
    private byte[] guestNonce;
    private byte[] cpuNonce;
    private volatile ProcessContext context;
    private volatile MessageCalls messages;
    private volatile SemaphoreCalls semaphores;
    /** When the first byte of the frame being read arrived; 0 between frames. */
    private volatile long midFrameSince;
    private volatile String abortReason;
    /** The program reported its end: the connection's close that follows is not a death. */
    private volatile boolean ending;
    private volatile boolean closed;
    private volatile boolean endAnswered;
    private volatile boolean closeDeferred;

    AttachSession(AttachServer server, AttachChannel channel) {
        this.server = server;
        this.channel = channel;
        this.outbox = new AttachOutbox(channel, server.calls());
        this.calls = new CallTable(server.calls(), server.cpu(), this::send, this::who);
    }

    /** Why the watchdog should close this connection now, or null. */
    String overdue(long now, long handshakeNanos, long stallNanos) {
        if (!welcomed && now - openedAt > handshakeNanos) {
            return "no HELLO within " + Duration.ofNanos(handshakeNanos).toMillis() + " ms";
        }
        long since = midFrameSince;
        if (since != 0 && now - since > stallNanos) {
            return "stalled inside a frame for " + Duration.ofNanos(now - since).toMillis() + " ms";
        }
        long writing = outbox.writingSince();
        if (writing != 0 && now - writing > stallNanos) {
            return "stopped reading: a write to it has been blocked for " + Duration.ofNanos(now - writing).toMillis() + " ms";
        }
        return null;
    }

    /** Closes the connection for a protocol reason; the reader logs it and reports the loss. */
    void abort(String why) {
        abortReason = why;
        channel.close();
    }

    private String who() {
        ProcessContext c = context;
        if (guest) {
            return "CPU " + server.cpu() + " admin connection";
        }
        return "CPU " + server.cpu() + " attach connection" + (c == null ? "" : " of " + c.self().descriptor(c.name().orElse(null)));
    }

    void run() {
        String lostWhy = null;
        boolean byPeer = true;
        try {
            hello();
            while (true) {
                Frame f = AttachFrames.read(channel, proofPending ? AttachFrames.MAX_HELLO_BODY : AttachFrames.MAX_BODY,
                        this::progress);
                if (proofPending) {
                    proof(f);
                    continue;
                }
                if (f.type() != AttachFrames.CALL) {
                    throw new AttachProtocolException("frame type " + f.type() + " where a CALL was expected");
                }
                calls.dispatch(f.callId(), f.payload());
            }
        } catch (EOFException e) {
            lostWhy = "the connection was closed";
        } catch (AttachProtocolException e) {
            lostWhy = "protocol error: " + e.getMessage();
            byPeer = false;
            LOG.log(System.Logger.Level.ERROR, "{0}: {1}; closing it", who(), lostWhy);
        } catch (IOException e) {
            if (abortReason != null) {
                lostWhy = "protocol error: " + abortReason;
                byPeer = false;
                LOG.log(System.Logger.Level.ERROR, "{0}: {1}; closed it", who(), abortReason);
            } else {
                lostWhy = e instanceof ClosedChannelException ? "the connection was closed"
                        : "connection error: " + e.getMessage();
                LOG.log(System.Logger.Level.DEBUG, "{0}: {1}", who(), lostWhy);
            }
        } catch (RuntimeException e) {
            lostWhy = "internal error: " + e;
            byPeer = false;
            LOG.log(System.Logger.Level.ERROR, who() + ": internal error; closing it", e);
        } finally {
            Attachee a = attachee;
            // A close by the CPU (the process's end, already recorded) is no loss to report.
            boolean report = a != null && !ending && lostWhy != null && !closed;
            if (report && !byPeer) {
                // Recorded before the close, or the child's own exit on the close could be taken for its death.
                a.lost(lostWhy, false);
            }
            close();
            server.ended(this, welcomed);
            if (report && byPeer) {
                a.lost(lostWhy, true);
            }
        }
    }

    private void progress(boolean inside) {
        midFrameSince = inside ? System.nanoTime() : 0;
    }

    private void hello() throws IOException, AttachProtocolException {
        Frame f = AttachFrames.read(channel, AttachFrames.MAX_HELLO_BODY, this::progress);
        if (f.type() != AttachFrames.HELLO) {
            throw new AttachProtocolException("frame type " + f.type() + " before HELLO");
        }
        AttachCodecs.Hello hello;
        try {
            hello = AttachCodecs.read(AttachCodecs.HELLO, f.payload());
        } catch (CodecException e) {
            throw new AttachProtocolException("bad HELLO: " + e.getMessage());
        }
        boolean guestHello = hello.verifier() == 0 && hello.secret().length == 0;
        Guardian operator = server.guest();
        if (operator != null) {
            // A guest with a node key sends its nonce where a process sends its secret.
            boolean keyedGuest = hello.verifier() == 0 && hello.secret().length == AdminProof.NONCE_BYTES;
            if (!guestHello && !keyedGuest) {
                throw new AttachProtocolException("a process's HELLO (verifier " + hello.verifier()
                        + ") on the admin socket, which serves guests only");
            }
            NodeKey key = server.guestKey();
            if (keyedGuest != (key != null)) {
                refuseGuest(f.callId(), key == null ? "this CPU runs without a node key and the command has one"
                        : "the command has no node key; this CPU's is " + key.fingerprint());
            }
            welcomeGuest(f.callId(), operator, key, hello.secret());
            return;
        }
        if (guestHello) {
            throw new AttachProtocolException("a guest HELLO on the attach socket, which serves its processes only");
        }
        Attachee a = server.claim(hello.verifier(), hello.secret());
        if (a == null) {
            throw new AttachProtocolException("HELLO for process verifier " + hello.verifier()
                    + " with a wrong secret, or that process is not waiting to attach");
        }
        ProcessContext c = a.context();
        context = c;
        attachee = a;
        welcomed = true;
        server.authenticated(this);
        messages = new MessageCalls(calls, c::guardian, c);
        semaphores = new SemaphoreCalls(calls, c::guardian);
        ProcessCalls.register(calls, c, this::apply);
        GuardianCalls.register(calls, c.guardian());
        registerLifecycle();
        send(AttachFrames.WELCOME, f.callId(), AttachCodecs.WELCOME.encode(new AttachCodecs.Welcome(c.self(),
                c.name().orElse(null), c.args(), c.env(), c.guardian().nodeName())));
        a.attached(this);
    }

    /**
     * A guest (the {@code guardian} command) on the admin socket: the operator's procedures,
     * opens and semaphores, as the command would run them over the engine; a call only a process
     * can make is refused with error 2 and the session goes on. The WELCOME's handle names the
     * CPU (PIN 0, verifier 0: no process) and its node name lets the guest check it reached the
     * node it meant.
     */
    private void welcomeGuest(long helloId, Guardian operator, NodeKey key, byte[] nonce) {
        guest = true;
        if (key == null) {
            welcomed = true;
            server.authenticated(this);
        }
        messages = new MessageCalls(calls, () -> operator, null);
        semaphores = new SemaphoreCalls(calls, () -> operator);
        GuardianCalls.register(calls, operator);
        calls.on(AttachCalls.CANCEL, (id, nothing) -> calls.cancel(id));
        calls.waiting(AttachCalls.EVENTS, q -> EventCalls.read(operator.nodeName(), server.cpu(), q));
        if (operator instanceof org.openpair.emulator.procedures.NodeGuardian node) {
            calls.waiting(AttachCalls.UPGRADE, u -> UpgradeCalls.run(node, server.cpu(), u));
        }
        calls.refuseTheRest("a guest of the admin socket is no process; this call needs one");
        send(AttachFrames.WELCOME, helloId, AttachCodecs.WELCOME.encode(new AttachCodecs.Welcome(
                new ProcessHandle(operator.nodeName(), server.cpu(), 0, 0), null, java.util.List.of(),
                java.util.Map.of(), operator.nodeName())));
        if (key != null) {
            // Behind the WELCOME, so the guest proves itself without waiting for another answer.
            guestNonce = nonce;
            cpuNonce = AdminProof.nonce();
            proofPending = true;
            byte[] mac = AdminProof.of(key, true, operator.nodeName(), server.cpu(), cpuNonce, guestNonce);
            send(AttachFrames.CHALLENGE, helloId, java.nio.ByteBuffer.allocate(cpuNonce.length + mac.length)
                    .put(cpuNonce).put(mac).array());
        }
    }

    /** The keyed guest's PROOF, the one frame read before its calls; anything else ends the session. */
    private void proof(Frame f) throws IOException {
        NodeKey key = server.guestKey();
        byte[] mac = new byte[f.payload().remaining()];
        f.payload().get(mac);
        if (f.type() != AttachFrames.PROOF || !AdminProof.check(key, false, mac, server.guest().nodeName(), server.cpu(),
                cpuNonce, guestNonce)) {
            refuseGuest(f.callId(), f.type() != AttachFrames.PROOF ? "frame type " + f.type() + " instead of its proof"
                    : "its proof does not match this CPU's key " + key.fingerprint());
        }
        proofPending = false;
        welcomed = true;
        server.authenticated(this);
    }

    /**
     * Turns away a guest that does not hold this node's key: error 48 to it, a WARNING here, and
     * the session ends (thrown as an end of stream, which is not logged again).
     */
    private void refuseGuest(long id, String detail) throws IOException {
        LOG.log(System.Logger.Level.WARNING, "CPU {0} admin socket: refused a guest: node key mismatch ({1})",
                server.cpu(), detail);
        send(AttachFrames.ERROR, id, AttachCodecs.FAILURE.encode(new AttachCodecs.Failure(
                GuardianError.SECURITY.number(), "CPU " + server.cpu() + " refused this command: node key mismatch ("
                        + detail + ")", -1)));
        outbox.awaitWritten(1000);
        throw new EOFException("refused: node key mismatch");
    }

    /** The calls about the connection itself: the program's end, a signal's, and a cancel. */
    private void registerLifecycle() {
        calls.on(AttachCalls.END, (id, end) -> {
            ending = true;
            attachee.ended(end.abended(), end.detail());
            answerEnd(id);
        });
        calls.on(AttachCalls.SIGNAL_END, (id, note) -> {
            if (note.signal().defaultAction() != Signal.Default.TERMINATE) {
                throw new AttachProtocolException(note.signal() + " does not end a process by default");
            }
            ending = true;
            attachee.signalled(note.signal(), note.sender());
            answerEnd(id);
        });
        calls.on(AttachCalls.SIGNAL_TAKEN, (id, signal) -> {
            attachee.signalTaken(signal);
            calls.ok(id, AttachCodecs.NOTHING, Nothing.VALUE);
        });
        calls.on(AttachCalls.CANCEL, (id, nothing) -> calls.cancel(id));
    }

    // ---- answering ---------------------------------------------------------------------------

    /** Answers the call that reported the process's end, then closes as the retirement asked. */
    private void answerEnd(long id) {
        calls.ok(id, AttachCodecs.NOTHING, Nothing.VALUE);
        outbox.awaitWritten(1000);
        endAnswered = true;
        if (closeDeferred) {
            close();
        }
    }

    /**
     * Ships one checkpoint to a backup's awaitTakeover. This runs on that call's own thread, so
     * it can wait while much is queued: the backup applies at its pace, not the queue's.
     */
    private void apply(long id, byte[] record) {
        while (outbox.queuedBytes() > APPLY_PAUSE_BYTES && !closed && !Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(1_000_000);
        }
        send(AttachFrames.APPLY, id, record);
    }

    /** Queues a frame for the child; past {@link #MAX_QUEUED_BYTES} it has stopped reading. */
    private void send(byte type, long id, byte[] payload) {
        if (closed) {
            return;
        }
        long queued = outbox.add(type, id, payload);
        if (queued > MAX_QUEUED_BYTES) {
            abort("stopped reading: " + queued + " bytes of answers are queued for it");
        }
    }

    // ---- Attachment -----------------------------------------------------------------------

    @Override
    public void requestStop() {
        send(AttachFrames.STOP, 0, new byte[0]);
    }

    @Override
    public void signal(Signal signal, ProcessHandle sender) {
        send(AttachFrames.SIGNAL, 0, AttachCodecs.SIGNAL_NOTE.encode(new AttachCodecs.SignalNote(signal, sender)));
    }

    /** Closes the connection; a program that reported its end may still get its END answer. */
    @Override
    public void close() {
        if (ending && !endAnswered) {
            closeDeferred = true;  // the reader answers END first, then closes
            return;
        }
        closed = true;
        outbox.close();
        channel.close();
        calls.abandonAll();
        MessageCalls m = messages;
        if (m != null) {
            m.close(who());
        }
        SemaphoreCalls s = semaphores;
        if (s != null) {
            s.close();
        }
    }
}
