package org.openpair.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What Linux's {@code /proc/<pid>/stat} says about a process: its state, parent and start time.
 * Tests use it to prove that an OS process is really gone, which {@link ProcessHandle#isAlive()}
 * cannot: a killed child whose parent died too is a zombie until something reaps it, and in a
 * container PID 1 may never do so. A zombie runs nothing, so it counts as gone here; comparing
 * the start time guards against a reused pid.
 *
 * @param pid        the process id
 * @param state      the state letter: R running, S sleeping, D disk wait, T stopped, Z zombie, ...
 * @param ppid       the parent's pid
 * @param startTicks when the process started, in clock ticks after boot (field 22)
 */
public record ProcStat(long pid, char state, long ppid, long startTicks) {

    /** The process's current stat, or empty if no process has that pid. */
    public static Optional<ProcStat> of(long pid) {
        String line;
        try {
            line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            // The process vanished while being read (ESRCH surfaces as an IOException).
            return Optional.empty();
        }
        return Optional.of(parse(pid, line));
    }

    /** Parses a stat line; the command name in parentheses may itself hold spaces and parentheses. */
    static ProcStat parse(long pid, String line) {
        int close = line.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + line);
        }
        String[] f = line.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state); field k is f[k - 3].
        return new ProcStat(pid, f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[19]));
    }

    /** True if the process has ended and waits only to be reaped. */
    public boolean isZombie() {
        return state == 'Z' || state == 'X';
    }

    /**
     * True while the process this stat describes still exists and is not a zombie: same pid,
     * same start time (so not a later process that reused the pid).
     */
    public boolean isStillRunning() {
        return of(pid).filter(now -> now.startTicks == startTicks && !now.isZombie()).isPresent();
    }
}
