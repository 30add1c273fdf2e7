package org.openpair.emulator.attach;

import java.time.Duration;

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

    RemoteFile(AttachClient client, long id, ProcessName name, int syncDepth, ProcessHandle server) {
        this.client = client;
        this.id = id;
        this.name = name;
        this.syncDepth = syncDepth;
        this.server = server;
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
        if (request.length > MAX_MESSAGE_BYTES) {
            throw new GuardianException(GuardianError.BOUNDS, "request of " + request.length
                    + " bytes exceeds the limit of " + MAX_MESSAGE_BYTES);
        }
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

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            client.call(AttachCalls.FILE_CLOSE, id);
        }
    }
}
