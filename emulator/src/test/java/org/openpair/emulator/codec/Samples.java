package org.openpair.emulator.codec;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.openpair.emulator.names.NameEntry;
import org.openpair.emulator.names.NameUpdates;
import org.openpair.emulator.node.CpuTask;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.Acquisition;
import org.openpair.guardian.Consistency;
import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.PairStatus;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.ProtectedState;
import org.openpair.guardian.ReceiveInfo;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.SemaphoreInfo;
import org.openpair.guardian.Signal;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;
import org.openpair.guardian.TakeoverCause;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/**
 * Values of every public type that crosses the engine, each with its nulls and its edges (the
 * highest CPU and PIN, negative and extreme numbers, empty and non-ASCII strings, instants at
 * the ends of their range): what the round-trip tests feed the codec and the engine.
 */
public final class Samples {
    public static final ProcessHandle LOW = new ProcessHandle("N", 0, 0, Long.MIN_VALUE);
    public static final ProcessHandle HIGH = new ProcessHandle("NODE\u00e9\u6f22\ud83d\ude00", 15, 65534, Long.MAX_VALUE);
    public static final ProcessName NAME = ProcessName.of("$ab1");
    public static final Instant EARLIEST = Instant.MIN;
    public static final Instant LATEST = Instant.MAX;
    public static final Instant NOW = Instant.ofEpochSecond(1_765_000_000L, 123_456_789);

    private Samples() {
    }

    public static List<Termination> terminations() {
        List<Termination> all = new ArrayList<>();
        for (TerminationCause cause : TerminationCause.values()) {
            all.add(new Termination(LOW, null, null, cause, -4, 0, 0, null, null, EARLIEST));
        }
        all.add(new Termination(HIGH, NAME, "java org.example.Server", TerminationCause.SIGNALLED, 5, Integer.MIN_VALUE,
                Integer.MAX_VALUE, LOW, "killed by \u00e9\u6f22 \ud83d\ude00", LATEST));
        return all;
    }

    public static List<SpawnRequest> spawnRequests() {
        return List.of(
                SpawnRequest.of(Program.hosted("a.B")).build(),
                SpawnRequest.of(Program.java("org.example.Server")).name("$SRV").cpu(15).priority(199)
                        .args("", "two words", "\u00e9\u6f22").env("A", "").env("PATH", "/bin:/usr/bin")
                        .classPath(List.of("/opt/app/app.jar", "/opt/app/classes dir/\u00e9")).build(),
                SpawnRequest.of(Program.executable("/bin/true")).cpu(SpawnRequest.CALLER_CPU).priority(1).myBackup()
                        .build(),
                // A backup's request once routed: it carries its primary's name, which build() refuses.
                SpawnRequest.of(Program.hosted("a.B")).cpu(SpawnRequest.ANY_CPU).myBackup()
                        .classPath(List.of("/a.jar")).build().withName(NAME));
    }

    public static List<ProcessInfo> processInfos() {
        return List.of(
                new ProcessInfo(LOW, null, null, 0, 0, null, null, null),
                new ProcessInfo(HIGH, NAME, Program.executable("/usr/bin/env"), 199, Long.MAX_VALUE, NOW, LOW,
                        "/tmp/x.log"));
    }

    public static List<SystemMessage> systemMessages() {
        List<SystemMessage> all = new ArrayList<>();
        all.add(new SystemMessage.ProcessDeletion(null));
        all.add(new SystemMessage.CpuDown(15, terminations().get(0)));
        all.add(new SystemMessage.CpuDown(-1, null));
        all.add(new SystemMessage.CpuUp(Integer.MIN_VALUE));
        all.add(new SystemMessage.ProcessOpen(HIGH, Long.MAX_VALUE, 0));
        all.add(new SystemMessage.ProcessOpen(null, -1, Integer.MAX_VALUE));
        all.add(new SystemMessage.ProcessClose(LOW, Long.MIN_VALUE));
        all.add(new SystemMessage.ProcessClose(null, 0));
        for (Termination t : terminations()) {
            all.add(new SystemMessage.ProcessDeletion(t));
        }
        return all;
    }

    public static List<Takeover> takeovers() {
        List<Takeover> all = new ArrayList<>();
        for (TakeoverCause cause : TakeoverCause.values()) {
            all.add(new Takeover(cause, HIGH, terminations().get(terminations().size() - 1), Long.MAX_VALUE));
        }
        all.add(new Takeover(TakeoverCause.SWITCH, null, null, Long.MIN_VALUE));
        return all;
    }

    public static List<NameEntry> nameEntries() {
        return List.of(
                new NameEntry(NAME, LOW, null, 0, NOW, false, false, null),
                new NameEntry(NAME, HIGH, LOW, Long.MAX_VALUE, LATEST, true, true, HIGH),
                new NameEntry(null, null, null, Long.MIN_VALUE, null, false, true, null),
                new NameEntry(NAME, HIGH, null, 17, NOW, false, true, LOW,
                        new org.openpair.emulator.security.Seal(new byte[32])));
    }

    public static List<CpuTask.CpuCall<?>> cpuCalls() {
        List<CpuTask.CpuCall<?>> all = new ArrayList<>();
        for (SpawnRequest r : spawnRequests()) {
            all.add(new CpuTask.Spawn(r, HIGH));
        }
        all.add(new CpuTask.Spawn(null, null));
        all.add(new CpuTask.Stop(LOW, HIGH));
        all.add(new CpuTask.Stop(HIGH, null));
        for (Takeover t : takeovers()) {
            all.add(new CpuTask.Promote(HIGH, t, new SystemMessage.ProcessDeletion(t.termination()), LOW));
        }
        all.add(new CpuTask.Promote(LOW, null, null, null));
        for (SystemMessage m : systemMessages()) {
            all.add(new CpuTask.PartnerDied(HIGH, LOW, m));
        }
        all.add(new CpuTask.PartnerDied(null, null, null));
        for (Signal s : Signal.values()) {
            all.add(new CpuTask.Kill(LOW, s, HIGH));
        }
        all.add(new CpuTask.Kill(HIGH, null, null));
        all.add(new CpuTask.CpuUp(0));
        all.add(new CpuTask.CpuUp(15));
        all.add(new CpuTask.CpuUp(Integer.MIN_VALUE));
        all.add(new CpuTask.SwitchPair(HIGH));
        all.add(new CpuTask.SwitchPair(null));
        all.add(new CpuTask.ReplaceBackup(HIGH, List.of("/opt/app/v2.jar", "/opt/\u00e9")));
        all.add(new CpuTask.ReplaceBackup(HIGH, List.of()));
        all.add(new CpuTask.ReplaceBackup(null, null));
        all.add(new CpuTask.MemberClassPath(LOW, List.of("/opt/app/v2")));
        all.add(new CpuTask.MemberClassPath(LOW, null));
        return all;
    }

    /** The API's values that only the attach socket carries: what a Guardian procedure or a semaphore answers. */
    public static List<Object> apiValues() {
        List<Object> all = new ArrayList<>();
        all.add(RestartPolicy.TEMPORARY);
        all.add(RestartPolicy.permanent(Integer.MAX_VALUE, Duration.ofMillis(1)));
        all.add(RestartPolicy.transientRestart(1, Duration.ofDays(365)));
        for (PairStatus s : PairStatus.values()) {
            all.add(new PairInfo(s, null, null, null, null, 0));
        }
        all.add(new PairInfo(PairStatus.PAIR, NAME, LOW, HIGH, LOW, Long.MAX_VALUE, true));
        all.add(new CpuInfo(0, null, null, 0));
        all.add(new CpuInfo(15, "127.0.0.1:5701", NOW, Integer.MAX_VALUE));
        for (DeathPolicy p : DeathPolicy.values()) {
            for (Consistency c : Consistency.values()) {
                all.add(new SemaphoreInfo("s", 0, 0, p, c, Map.of(), Map.of(), List.of(), 0, 0));
            }
        }
        all.add(new SemaphoreInfo("sem.\u00e9", Integer.MAX_VALUE, -1, DeathPolicy.ORPHAN, Consistency.OWNER_DIED,
                Map.of(LOW, 1, HIGH, Integer.MAX_VALUE), Map.of(HIGH, 2), List.of(LOW, LOW), 7, Long.MIN_VALUE));
        all.add(new ProtectedState(Map.of(), 0));
        all.add(new ProtectedState(Map.of("a", new byte[0], "\u00e9\u6f22", new byte[] {-1, 0, 1}), Long.MAX_VALUE));
        all.add(new ReceiveInfo(null, 0, 0, 0));
        all.add(new ReceiveInfo(HIGH, Long.MAX_VALUE, Long.MIN_VALUE, 15));
        return all;
    }

    /** One value or more of every public type the engine carries. */
    public static List<Object> all() {
        List<Object> all = new ArrayList<>();
        all.add(LOW);
        all.add(HIGH);
        all.add(NAME);
        all.add(ProcessName.of("$Z"));
        all.add(Program.hosted("x"));
        all.add(Program.java("org.\u00e9.Main"));
        all.add(Program.executable("/bin/true"));
        all.addAll(spawnRequests());
        all.addAll(processInfos());
        all.addAll(terminations());
        all.addAll(takeovers());
        all.addAll(systemMessages());
        all.add(new Acquisition("s", 0, false, List.of()));
        all.add(new Acquisition("sem.\u00e9-1", Integer.MAX_VALUE, true, List.of(LOW, HIGH, LOW)));

        all.addAll(apiValues());

        all.add(new NodeTables.CpuRecord(0, null, null, null, 0));
        all.add(new NodeTables.CpuRecord(15, "5f2c3b1e-0000-4000-8000-000000000000", "127.0.0.1:5701", NOW, 65535));
        all.add(new NodeTables.CpuRecord(3, "5f2c3b1e-0000-4000-8000-000000000000", "127.0.0.1:5703", NOW, 41000,
                new org.openpair.emulator.security.Seal(new byte[] {1, 2, 3})));
        all.add(new org.openpair.emulator.security.Seal(new byte[0]));
        all.add(new NodeTables.RemoveIfHeldBy<>(HIGH));
        all.add(new NodeTables.RemoveIfHeldBy<>(null));
        all.add(new NodeTables.SetAncestorIfHeldBy(LOW, HIGH));
        all.add(new NodeTables.SetAncestorIfHeldBy(HIGH, null));

        all.addAll(nameEntries());
        for (NameUpdates.Outcome o : NameUpdates.Outcome.values()) {
            all.add(new NameUpdates.Result(o, nameEntries().get(0), nameEntries().get(1)));
        }
        all.add(new NameUpdates.Result(NameUpdates.Outcome.NOT_HELD, null, null));
        all.add(new NameUpdates.RetireMember(HIGH, 15));
        all.add(new NameUpdates.RetireMember(null, 0));
        all.add(new NameUpdates.Close(LOW));
        all.add(new NameUpdates.AttachBackup(LOW, HIGH));
        all.add(new NameUpdates.BackupReady(HIGH, LOW));
        all.add(new NameUpdates.BackupLags(LOW, null));
        all.add(new NameUpdates.Switch(LOW, HIGH, Long.MIN_VALUE, 15));
        all.add(new NameUpdates.Switch(null, null, Long.MAX_VALUE, 0));

        all.addAll(cpuCalls());
        for (CpuTask.CpuCall<?> call : cpuCalls()) {
            all.add(CpuTask.of(call));
            all.add(CpuTask.notice(call));
            // as a node with a key sends them through the engine
            all.add(CpuTask.of(call).sealed(org.openpair.emulator.security.NodeKey.random(), 0, 1));
            all.add(CpuTask.notice(call).sealed(org.openpair.emulator.security.NodeKey.random(), -1, 2));
        }
        all.add(new CpuTask.Reply<>(null, 0, null));
        all.add(new CpuTask.Reply<>(true, 0, null));
        all.add(new CpuTask.Reply<>(false, 0, ""));
        all.add(new CpuTask.Reply<>(processInfos().get(1), 0, null));
        all.add(new CpuTask.Reply<>(terminations().get(0), 0, null));
        all.add(new CpuTask.Reply<>(HIGH, 0, null));
        all.add(new CpuTask.Reply<>("/opt/app/v2.jar:/opt/\u00e9", 0, null));
        all.add(new CpuTask.Reply<>(null, 4131, "not recoverable \u00e9"));
        all.add(new CpuTask.Reply<>(null, Integer.MIN_VALUE, null));
        return all;
    }
}
