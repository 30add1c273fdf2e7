package org.openpair.emulator.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.attach.Reports;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.os.NativeOs;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.Signal;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.StopScope;
import org.openpair.guardian.Termination;

/**
 * What every contract test shares: a three-CPU node for the class, the program factory that
 * decides the backend (STYLE.md point 13: the same cases run against hosted programs and
 * against Java OS processes), and waits on the programs' reports. Each case uses names of its
 * own and stops what it started, so the node is started once per class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ContractBase {
    static final Duration WAIT = Duration.ofSeconds(30);
    private static final AtomicInteger NAMES = new AtomicInteger();

    EmbeddedNode node;
    Guardian g;
    private final List<ProcessName> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.Map<ProcessHandle, String> logs = new java.util.concurrent.ConcurrentHashMap<>();

    /** The backend: the program run as a process of this backend's kind. */
    abstract Program program(Class<? extends GuardianProgram> type);

    /** Ends a process as abruptly as its kind allows: SIGKILL (a hosted program's default ends it; an OS process is killed -9). */
    abstract void kill9(ProcessHandle process);

    EmbeddedNode node() {
        if (node == null) {
            node = EmbeddedNode.start(TestNodes.config(3).build(), 3);
            g = node.cpu(0).guardian();
        }
        return node;
    }

    @AfterEach
    void stopWhatWasStarted() {
        for (ProcessName n : started) {
            try {
                g.lookup(n).ifPresent(p -> g.processStop(p.handle(), StopScope.PAIR));
            } catch (RuntimeException e) {
                // Already gone.
            }
        }
        started.clear();
    }

    @AfterAll
    void closeNode() {
        if (node != null) {
            node.close();
        }
    }

    /** A fresh name for this case. */
    ProcessName name() {
        ProcessName n = ProcessName.of("$C" + Integer.toString(NAMES.incrementAndGet(), 36).toUpperCase());
        started.add(n);
        return n;
    }

    ProcessHandle spawn(Class<? extends GuardianProgram> type, ProcessName name, int cpu, String... args) {
        node();
        SpawnRequest.Builder b = SpawnRequest.of(program(type)).cpu(cpu).args(args);
        if (name != null) {
            b.name(name.toString());
        }
        ProcessHandle h = g.processSpawn(b.build());
        // Where the CPU puts its log (a short-lived process may be gone before it is looked up).
        logs.put(h, node.config().logDir().resolve("cpu" + cpu)
                .resolve((name == null ? "pin" + h.pin() : name.bare()) + "-" + h.verifier() + ".log").toString());
        return h;
    }

    String log(ProcessHandle h) {
        String spawned = logs.get(h);
        return spawned != null ? spawned
                : g.process(h).map(ProcessInfo::logFile).orElseThrow(() -> new AssertionError(h + " is not running"));
    }

    /** Waits for a backup that may take over (it acknowledged the primary's state) and returns the pair. */
    PairInfo awaitPair(ProcessName n) {
        await("a ready backup for " + n, () -> g.processGetPairInfo(n).backup() != null && ready(n));
        return g.processGetPairInfo(n);
    }

    boolean ready(ProcessName n) {
        NameEntry e = new NodeTables(node.cpu(0).engine()).names().get(n.toString());
        return e != null && e.ready();
    }

    static String awaitReport(String log, String key) {
        await(key + " reported in " + log, () -> Reports.last(log, key).isPresent());
        return Reports.last(log, key).orElseThrow();
    }

    static long lastLong(String log, String key) {
        return Reports.last(log, key).map(Long::parseLong).orElse(0L);
    }

    Termination awaitEnd(ProcessHandle h) {
        await("the end of " + h, () -> g.termination(h).isPresent());
        return g.termination(h).orElseThrow();
    }

    static void await(String what, BooleanSupplier condition) {
        org.openpair.emulator.TestNodes.await(what, WAIT, condition);
    }

    /** The backends. */
    static Program hosted(Class<? extends GuardianProgram> type) {
        return Program.hosted(type);
    }

    static Program os(Class<? extends GuardianProgram> type) {
        return Program.java(type);
    }

    void kill9Hosted(ProcessHandle h) {
        g.kill(h, Signal.SIGKILL);
    }

    void kill9Os(ProcessHandle h) {
        long pid = g.process(h).orElseThrow().pid();
        assertThat(pid).isPositive();
        try {
            NativeOs.get().kill(pid, NativeOs.SIGKILL);
        } catch (org.openpair.emulator.os.NativeException e) {
            throw new AssertionError(e);
        }
    }
}
