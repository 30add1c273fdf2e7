package org.openpair.emulator.cli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.openpair.emulator.threads.SystemThreads;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessName;

/**
 * {@code guardian upgrade --probe}: one client of the pair while it is upgraded, sending the
 * same request again as soon as the last is answered, so that the longest time without an
 * answer is what a client of the pair saw.
 */
final class UpgradeProbe implements AutoCloseable {
    private final ProcessFile file;
    private final byte[] request;
    private final Duration timeout;
    private final Thread thread;
    private volatile boolean stop;
    private long answered;
    private long failed;
    private String lastFailure;
    private long longestGapNanos;
    private String lastReply;

    UpgradeProbe(Guardian guardian, ProcessName name, String request, Duration timeout) {
        this.file = guardian.fileOpen(name, 1);
        this.request = request.getBytes(StandardCharsets.UTF_8);
        this.timeout = timeout;
        this.thread = SystemThreads.daemon(this::run, "upgrade probe");
        thread.start();
    }

    private void run() {
        long lastAnswer = System.nanoTime();
        while (!stop) {
            try {
                String reply = new String(file.writeRead(request, timeout), StandardCharsets.UTF_8);
                long now = System.nanoTime();
                synchronized (this) {
                    answered++;
                    longestGapNanos = Math.max(longestGapNanos, now - lastAnswer);
                    lastReply = reply;
                }
                lastAnswer = now;
            } catch (GuardianException e) {
                synchronized (this) {
                    failed++;
                    lastFailure = e.oneLine();
                }
                if (stop) {
                    return;
                }
                try {
                    // Not a busy loop when the pair cannot be reached at all.
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
        synchronized (this) {
            longestGapNanos = Math.max(longestGapNanos, System.nanoTime() - lastAnswer);
        }
    }

    /** Stops after the request under way is answered (or times out). */
    @Override
    public void close() {
        stop = true;
        try {
            thread.join(timeout.toMillis() + 5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        file.close();
    }

    synchronized long answered() {
        return answered;
    }

    synchronized long failed() {
        return failed;
    }

    synchronized String lastFailure() {
        return lastFailure;
    }

    synchronized String lastReply() {
        return lastReply;
    }

    synchronized long longestGapMillis() {
        return longestGapNanos / 1_000_000;
    }
}
