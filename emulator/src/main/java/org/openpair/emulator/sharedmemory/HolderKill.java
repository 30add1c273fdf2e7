package org.openpair.emulator.sharedmemory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import org.openpair.emulator.os.NativeException;
import org.openpair.emulator.os.NativeOs;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.SegmentHolder;

/**
 * Kills a segment's holder with {@code kill -9} while it is surely mid-update, for the demo and
 * the tests of owner-death recovery. A kill aimed at a holder merely seen mid-update can land
 * after it committed and unlocked (an update takes milliseconds, a loaded machine can take as
 * long to send the kill), and then no next holder is told anything. So the holder is stopped
 * first: once every thread of it is stopped, its holder record and the mutex's lock word cannot
 * change, and a second look decides. Still holding mid-update: killed while stopped. Moved on:
 * let go on with SIGCONT, and the next holder is watched for.
 */
public final class HolderKill {
    /** How long one stop may take before the holder is let go on and caught again. */
    private static final long STOP_BOUND_NANOS = Duration.ofSeconds(2).toNanos();

    private HolderKill() {
    }

    /**
     * Waits up to {@code bound} for a live holder that {@code which} accepts to hold the lock of
     * {@code segment} mid-update, and kills it there.
     *
     * @return the holder as it was when killed
     * @throws GuardianException {@link GuardianError#TIMED_OUT} when no such holder was caught in
     *         time; nothing was killed then
     */
    public static SegmentHolder killMidUpdate(TypedSegment segment, Predicate<SegmentHolder> which, Duration bound)
            throws InterruptedException {
        long self = java.lang.ProcessHandle.current().pid();     // stopping this JVM would stop the stopper
        Predicate<SegmentHolder> target = h -> !h.died() && h.updating() && h.pid() > 0 && h.pid() != self
                && which.test(h);
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - deadline < 0) {
            Optional<SegmentHolder> seen = segment.holder().filter(target);
            if (seen.isEmpty()) {
                Thread.sleep(1);
                continue;
            }
            long pid = seen.get().pid();
            if (!stop(pid)) {
                continue;               // it ended since it was seen: look again
            }
            boolean killed = false;
            try {
                long stopBy = System.nanoTime() + STOP_BOUND_NANOS;
                if (awaitStopped(pid, stopBy - deadline > 0 ? deadline : stopBy)) {
                    Optional<SegmentHolder> now = segment.holder();
                    if (now.isPresent() && now.get().pid() == pid && target.test(now.get())) {
                        signal(pid, NativeOs.SIGKILL);
                        killed = true;
                        return now.get();
                    }
                }
            } finally {
                if (!killed) {
                    resume(pid);
                }
            }
        }
        throw new GuardianException(GuardianError.TIMED_OUT, "no holder of " + segment + " was caught mid-update within "
                + bound.toMillis() + " ms");
    }

    private static void resume(long pid) {
        try {
            NativeOs.get().kill(pid, NativeOs.SIGCONT);
        } catch (NativeException e) {
            // It ended meanwhile: nothing to resume.
        }
    }

    /** SIGSTOP; false if the process is gone already. */
    private static boolean stop(long pid) {
        try {
            NativeOs.get().kill(pid, NativeOs.SIGSTOP);
            return true;
        } catch (NativeException e) {
            if (java.lang.ProcessHandle.of(pid).map(java.lang.ProcessHandle::isAlive).orElse(false)) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, "cannot stop pid " + pid + ": "
                        + e.getMessage(), e);
            }
            return false;
        }
    }

    private static void signal(long pid, int signal) {
        try {
            NativeOs.get().kill(pid, signal);
        } catch (NativeException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "cannot signal pid " + pid + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * True once every thread of {@code pid} is stopped or gone. A SIGSTOP is delivered to each
     * thread as it next runs, so the call to kill(2) returning says nothing about it; the threads'
     * states in /proc do.
     */
    private static boolean awaitStopped(long pid, long deadline) {
        while (System.nanoTime() - deadline < 0) {
            if (allThreadsStopped(pid)) {
                return true;
            }
            LockSupport.parkNanos(50_000);
        }
        return false;
    }

    private static boolean allThreadsStopped(long pid) {
        String states = threadStates(pid);
        // Stopped (T), stopped by a tracer (t), or ended (Z, X); an empty list: the process is gone.
        return states != null && states.chars().allMatch(c -> c == 'T' || c == 't' || c == 'Z' || c == 'X');
    }

    /** The state letter of each thread of {@code pid} ("SSRT"); "" when it is gone, null when unreadable. */
    static String threadStates(long pid) {
        StringBuilder states = new StringBuilder();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : dir) {
                // Read as a stream: /proc files report a size of 0, which Files.readString may trust.
                try (InputStream in = Files.newInputStream(task.resolve("stat"))) {
                    String s = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                    int close = s.lastIndexOf(')');   // the name in parentheses may hold spaces and parentheses
                    if (close > 0 && close + 2 < s.length()) {
                        states.append(s.charAt(close + 2));
                    }
                } catch (NoSuchFileException e) {
                    // That thread ended while the list was read.
                }
            }
            return states.toString();
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            return null;
        }
    }
}
