package org.openpair.emulator.attach;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.openpair.emulator.attach.AttachCodecs.Nothing;
import org.openpair.guardian.CheckpointResult;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.Receive;
import org.openpair.guardian.ReceivedRequest;

/**
 * The CPU's side of an attached process's messages: its $RECEIVE, the requests it read and
 * replies to, and the opens it holds of other processes. The requests and opens live here, on
 * the CPU, where the link's replies and sync IDs are kept; the child names them by the IDs
 * handed out here, and whatever it still holds when the connection goes is closed with it.
 */
final class MessageCalls {
    private static final System.Logger LOG = System.getLogger(AttachSession.class.getName());

    private final Map<Long, ReceivedRequest> requests = new ConcurrentHashMap<>();
    private final Map<Long, ProcessFile> files = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile Receive receive;

    /**
     * @param guardian whose opens the session's FILE_OPENs are
     * @param c        the attached process, whose $RECEIVE this serves; null for a guest, which has none
     */
    MessageCalls(CallTable calls, Supplier<Guardian> guardian, ProcessContext c) {
        opens(calls, guardian);
        if (c == null) {
            return;
        }
        calls.inline(AttachCalls.OPEN_RECEIVE, o -> {
            receive = c.openReceive(o.depth(), o.openMessages());
            return receive.receiveDepth();
        });
        calls.waiting(AttachCalls.READ_UPDATE, timeout -> {
            Receive r = receive;
            if (r == null) {
                throw new GuardianException(GuardianError.NOT_OPEN, "$RECEIVE is not open");
            }
            return r.readUpdate(timeout).map(got -> {
                long request = ids.incrementAndGet();
                requests.put(request, got);
                return new AttachCodecs.Update(request, got.data(), got.info());
            });
        });
        calls.on(AttachCalls.REPLY, (id, reply) -> {
            ReceivedRequest r = requests.remove(reply.request());
            if (r == null) {
                calls.error(id, new GuardianException(GuardianError.INVALID_OPERATION, "request " + reply.request()
                        + " was never read or is already replied to"));
                return;
            }
            CompletableFuture<CheckpointResult> f;
            try {
                f = reply.changes() != null ? r.reply(reply.reply(), reply.changes())
                        : r.reply(reply.reply(), reply.checkpoint());
            } catch (RuntimeException e) {
                calls.error(id, e);
                return;
            }
            calls.later(id, AttachCalls.REPLY.result(), f);
        });
    }

    private void opens(CallTable calls, Supplier<Guardian> guardian) {
        calls.waiting(AttachCalls.FILE_OPEN, open -> {
            if (files.size() >= AttachSession.MAX_FILES) {
                throw new GuardianException(GuardianError.NO_ROOM, AttachSession.MAX_FILES + " opens are held already");
            }
            ProcessFile file = guardian.get().fileOpen(open.name(), open.syncDepth());
            long fileId = ids.incrementAndGet();
            files.put(fileId, file);
            return new AttachCodecs.Opened(fileId, file.server());
        });
        calls.waiting(AttachCalls.WRITE_READ, w -> {
            ProcessFile file = files.get(w.file());
            if (file == null) {
                throw new GuardianException(GuardianError.NOT_OPEN, "open " + w.file() + " is not open");
            }
            try {
                byte[] reply = file.writeRead(w.request(), w.timeout());
                return new AttachCodecs.Written(reply, file.syncId(), file.server());
            } catch (GuardianException e) {
                throw new SyncIdError(e, file.syncId());
            }
        });
        // Removed on the reader, so a WRITEREAD the child sends after the close finds no open.
        calls.on(AttachCalls.FILE_CLOSE, (id, fileId) -> {
            ProcessFile file = files.remove(fileId);
            try {
                if (file != null) {
                    file.close();
                }
            } catch (RuntimeException e) {
                calls.error(id, e);
                return;
            }
            calls.ok(id, AttachCodecs.NOTHING, Nothing.VALUE);
        });
    }

    /** A WRITEREAD failure still tells the child the sync ID it consumed. */
    static final class SyncIdError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final GuardianException error;
        final long syncId;

        SyncIdError(GuardianException error, long syncId) {
            super(error.getMessage(), null, false, false);
            this.error = error;
            this.syncId = syncId;
        }
    }

    /** The connection is gone: the opens it held are closed, its unanswered requests dropped. */
    void close(String who) {
        for (ProcessFile f : files.values()) {
            try {
                f.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: closing an open: {1}", who, e.toString());
            }
        }
        files.clear();
        requests.clear();
    }
}
