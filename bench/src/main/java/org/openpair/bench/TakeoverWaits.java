package org.openpair.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Termination;

/**
 * What a takeover run waits on: the name polled until it shows the new primary, and the lines
 * the bench programs log with their own wall-clock times.
 */
final class TakeoverWaits {
    private static final Duration LINE_LIMIT = Duration.ofSeconds(30);
    private static final long POLL_MICROS = TakeoverBenchmark.POLL_MICROS;

    private TakeoverWaits() {
    }

    /** Polls the name on CPU 0 until its primary is {@code expected}; the time the first such poll returned. */
    static long awaitPrimary(Guardian g, ProcessName name, ProcessHandle expected, Duration limit) {
        long end = System.nanoTime() + limit.toNanos();
        PairInfo last = null;
        while (true) {
            last = g.processGetPairInfo(name);
            long now = TakeoverBenchProgram.epochMicros();
            if (expected.equals(last.primary())) {
                return now;
            }
            if (System.nanoTime() - end > 0) {
                throw new GuardianException(GuardianError.TIMED_OUT, name + " did not resolve to the backup "
                        + expected.cpuPin() + " within " + limit.toSeconds() + " s; last seen: " + last);
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(POLL_MICROS));
        }
    }

    static String logOf(Guardian g, ProcessHandle h) {
        return g.process(h).map(ProcessInfo::logFile).orElseThrow(() -> new GuardianException(
                GuardianError.NO_SUCH_DEVICE, "process " + h.cpuPin() + " ended at once: "
                + g.termination(h).map(Termination::toString).orElse("?")));
    }

    /**
     * Waits until the log has a line starting with {@code prefix} and returns it; fails at once
     * if {@code process} (when given) ended without writing it, and after {@link #LINE_LIMIT}.
     */
    static String awaitLine(Guardian g, ProcessHandle process, String log, String prefix) {
        long end = System.nanoTime() + LINE_LIMIT.toNanos();
        long nextCheck = System.nanoTime() + Duration.ofMillis(200).toNanos();
        while (true) {
            String line = findLine(log, prefix);
            if (line != null) {
                return line;
            }
            long now = System.nanoTime();
            if (process != null && now - nextCheck > 0) {
                nextCheck = now + Duration.ofMillis(200).toNanos();
                if (g.process(process).isEmpty() && findLine(log, prefix) == null) {
                    throw new GuardianException(GuardianError.DEVICE_DOWN, "process " + process.cpuPin() + " ended "
                            + "without logging '" + prefix.trim() + "': " + g.termination(process)
                            .map(Termination::toString).orElse("?") + CheckpointBenchmark.logTail(log));
                }
            }
            if (now - end > 0) {
                throw new GuardianException(GuardianError.TIMED_OUT, "no '" + prefix.trim() + "' in " + log + " within "
                        + LINE_LIMIT.toSeconds() + " s" + CheckpointBenchmark.logTail(log));
            }
            LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
        }
    }

    static String findLine(String log, String prefix) {
        try {
            for (String line : Files.readAllLines(Path.of(log), StandardCharsets.UTF_8)) {
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        } catch (IOException e) {
            // Not there yet.
        }
        return null;
    }

    /** The number after {@code prefix} in {@code line}. */
    static long parseMicros(String line, String prefix) {
        String rest = line.substring(prefix.length()).trim();
        int space = rest.indexOf(' ');
        return Long.parseLong(space < 0 ? rest : rest.substring(0, space));
    }
}
