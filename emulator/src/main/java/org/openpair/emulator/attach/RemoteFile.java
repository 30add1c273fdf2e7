package org.openpair.emulator.attach;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;

/**
 * An open of another process by a Java OS process: the open itself lives on the CPU, which
 * keeps its sync IDs and follows the server through takeovers; this end keeps what the last
 * answer said of them.
 */
final class RemoteFile implements ProcessFile {
    private final AttachClient client;
    private final long id;
    private final ProcessName name;
    private final int syncDepth;
    private volatile ProcessHandle server;
    private volatile long syncId;
    private volatile boolean closed;
    /** The nowait requests this end lets go at once: the CPU's open would queue more, not refuse them. */
    private final Semaphore nowaitSlots;

    RemoteFile(AttachClient client, long id, ProcessName name, int syncDepth, ProcessHandle server) {
        this.client = client;
        this.id = id;
        this.name = name;
        this.syncDepth = syncDepth;
        this.server = server;
        this.nowaitSlots = new Semaphore(Math.max(1, syncDepth));
    }

    @Override
    public ProcessName name() {
        return name;
    }

    @Override
    public int syncDepth() {
        return syncDepth;
    }

    @Override
    public long syncId() {
        return syncId;
    }

    @Override
    public ProcessHandle server() {
        return server;
    }

    @Override
    public byte[] writeRead(byte[] request, Duration timeout) {
        requireSize(request);
        AttachCodecs.Written w;
        try {
            w = client.call(AttachCalls.WRITE_READ,
                    new AttachCodecs.WriteRead(id, request, AttachCodecs.timeout(timeout)));
        } catch (AttachClient.RemoteError e) {
            if (e.syncId >= 0) {
                syncId = e.syncId;
            }
            throw e;
        }
        syncId = w.syncId();
        server = w.server();
        return w.reply();
    }

    /**
     * The CPU's open does the request (its resends included) on a thread of the CPU's, as for
     * {@link #writeRead}; this JVM holds no thread for it.
     */
    @Override
    public CompletableFuture<byte[]> writeReadNowait(byte[] request, Duration timeout) {
        requireSize(request);
        if (closed) {
            throw new GuardianException(GuardianError.NOT_OPEN, "the open of " + name + " is closed");
        }
        if (!nowaitSlots.tryAcquire()) {
            throw new GuardianException(GuardianError.TOO_MANY_NOWAIT, name + ": " + Math.max(1, syncDepth)
                    + " requests of this open are in flight (its sync depth is " + syncDepth + ")");
        }
        CompletableFuture<AttachCodecs.Written> call;
        try {
            call = client.callAsync(AttachCalls.WRITE_READ,
                    new AttachCodecs.WriteRead(id, request, AttachCodecs.timeout(timeout)));
        } catch (RuntimeException e) {
            nowaitSlots.release();
            throw e;
        }
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        call.whenComplete((w, e) -> {
            // The slot first: an action chained to the result may send this open's next request.
            nowaitSlots.release();
            if (e == null) {
                syncId = w.syncId();
                server = w.server();
                result.complete(w.reply());
                return;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof AttachClient.RemoteError r && r.syncId >= 0) {
                syncId = r.syncId;
            }
            result.completeExceptionally(cause);
        });
        return result;
    }

    private static void requireSize(byte[] request) {
        if (request.length > MAX_MESSAGE_BYTES) {
            throw new GuardianException(GuardianError.BOUNDS, "request of " + request.length
                    + " bytes exceeds the limit of " + MAX_MESSAGE_BYTES);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            client.call(AttachCalls.FILE_CLOSE, id);
        }
    }
}
