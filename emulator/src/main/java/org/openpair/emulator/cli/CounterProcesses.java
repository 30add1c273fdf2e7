package org.openpair.emulator.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

/**
 * The TwoCounters processes of {@code guardian demo counters}: spawned as Java OS processes on
 * CPU 0, each with its log file, which stays readable after the process ended (what a process
 * was told when it inherited a dead holder's lock is in its log).
 */
final class CounterProcesses {
    private static final String ROUNDS = "1000000";

    private final Guardian g;
    private final int pauseMillis;
    private final Map<ProcessHandle, Path> logs = new LinkedHashMap<>();

    CounterProcesses(Guardian g, int pauseMillis) {
        this.g = g;
        this.pauseMillis = pauseMillis;
    }

    ProcessHandle spawn() {
        ProcessHandle h = g.processSpawn(SpawnRequest.of(Program.java(DemoCountersCommand.PROGRAM)).cpu(0)
                .args(DemoCountersCommand.SEGMENT, String.valueOf(DemoCountersCommand.TOTAL), ROUNDS,
                        String.valueOf(pauseMillis)).build());
        logs.put(h, Path.of(g.process(h).orElseThrow().logFile()));
        return h;
    }

    void list(PrintWriter out) {
        for (ProcessHandle h : logs.keySet()) {
            out.println("  " + h.descriptor(null) + "  pid " + g.process(h).map(ProcessInfo::pid).orElse(0L));
        }
        out.flush();
    }

    boolean isOurs(ProcessHandle h) {
        return h != null && logs.containsKey(h);
    }

    boolean allStarted() {
        return logs.keySet().stream().filter(h -> g.process(h).isPresent())
                .allMatch(h -> logLine(h, "started:", "").isPresent());
    }

    /** The first line of {@code h}'s log that starts with {@code prefix} and contains {@code part}. */
    Optional<String> logLine(ProcessHandle h, String prefix, String part) {
        return lines(h).stream().filter(l -> l.startsWith(prefix) && l.contains(part)).findFirst();
    }

    /** Lines where a process found a + b wrong, or abended: none, if the lock kept its promise. */
    List<String> brokenInvariants() {
        List<String> found = new ArrayList<>();
        for (ProcessHandle h : logs.keySet()) {
            lines(h).stream().filter(l -> l.contains("invariant broken")).map(l -> h.cpuPin() + ": " + l)
                    .forEach(found::add);
        }
        return found;
    }

    void stopAll() {
        for (ProcessHandle h : logs.keySet()) {
            if (g.process(h).isPresent()) {
                try {
                    g.processStop(h);
                } catch (GuardianException e) {
                    // It ended between the look and the stop.
                }
            }
        }
    }

    boolean noneRunning() {
        return logs.keySet().stream().noneMatch(h -> g.process(h).isPresent());
    }

    private List<String> lines(ProcessHandle h) {
        Path log = logs.get(h);
        try {
            return log == null ? List.of() : Files.readAllLines(log);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
