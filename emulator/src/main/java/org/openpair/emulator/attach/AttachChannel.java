package org.openpair.emulator.attach;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One end of an attach connection whose reads and writes block but cannot be broken by a
 * thread interrupt.
 *
 * <p>A blocking {@link SocketChannel} closes itself when a thread inside {@code read} or
 * {@code write} is interrupted, and a closed attach connection is the process's death. On the
 * child's side a stop interrupts the program's main thread, which may be in the middle of a call
 * (CI lost a process that way), and a program's own {@code shutdownNow} may interrupt a thread
 * in a WRITEREAD; on the CPU's side a cancelled call may leave an interrupt on a pool thread that
 * then writes. So the socket runs in non-blocking mode, where the JDK installs no interrupt hook,
 * and waits on a selector per direction, shielded from the caller's interrupt, which it keeps.
 *
 * <p>One thread reads and one writes at a time (the callers serialise each direction).
 * {@link #close} from any thread wakes both.
 */
final class AttachChannel implements ByteChannel {
    private final SocketChannel channel;
    private final Selector readable;
    private final Selector writable;

    AttachChannel(SocketChannel channel) throws IOException {
        this.channel = channel;
        Selector r = null;
        Selector w = null;
        try {
            channel.configureBlocking(false);
            r = Selector.open();
            w = Selector.open();
            channel.register(r, SelectionKey.OP_READ);
            channel.register(w, SelectionKey.OP_WRITE);
        } catch (IOException | RuntimeException e) {
            closeAll(channel, r, w);
            throw e;
        }
        readable = r;
        writable = w;
    }

    /** Reads at least one byte, or returns -1 at the end of the stream. */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        while (true) {
            int n = channel.read(dst);
            if (n != 0 || !dst.hasRemaining()) {
                return n;
            }
            await(readable);
        }
    }

    /** Writes all of {@code src}. */
    @Override
    public int write(ByteBuffer src) throws IOException {
        int total = 0;
        while (src.hasRemaining()) {
            int n = channel.write(src);
            total += n;
            if (n == 0) {
                await(writable);
            }
        }
        return total;
    }

    private void await(Selector selector) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            selector.select();
            selector.selectedKeys().clear();
        } catch (ClosedSelectorException e) {
            throw new AsynchronousCloseException();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (!channel.isOpen()) {
            throw new AsynchronousCloseException();
        }
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    /** Closes the socket; a thread waiting to read or write wakes with an AsynchronousCloseException. */
    @Override
    public void close() {
        closeAll(channel, readable, writable);
    }

    /** Closing a selector wakes a thread blocked in it and deregisters the socket, whose descriptor is then released. */
    private static void closeAll(SocketChannel channel, Selector r, Selector w) {
        for (java.io.Closeable c : new java.io.Closeable[] {channel, r, w}) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException e) {
                    // Closing is all that was wanted.
                }
            }
        }
    }
}
