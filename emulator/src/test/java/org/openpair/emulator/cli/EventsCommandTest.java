package org.openpair.emulator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import com.hazelcast.internal.json.Json;
import com.hazelcast.internal.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.config.ConfigSources;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.pairs.PairPrograms;
import org.openpair.emulator.process.TestPrograms;
import org.openpair.guardian.DeathPolicy;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;

import picocli.CommandLine;

/**
 * {@code guardian events} against a real node of three CPUs in this JVM: each kind is logged
 * where it happens (CPU start, spawn and stop, a takeover after the primary is stopped, a
 * switch, an orphaned semaphore permit) and read back through the command, over the admin
 * socket and over the engine; {@code --json}, {@code --since}, {@code --cpu}, {@code --follow}
 * and their bad values.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventsCommandTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    private Path runDir;
    private Path noSockets;
    private EmbeddedNode node;
    private Guardian g;

    @BeforeAll
    void start() throws IOException {
        runDir = Files.createTempDirectory("opr-ev-");
        noSockets = Files.createTempDirectory("opr-ev-none-");
        node = EmbeddedNode.start(TestNodes.config(3).runDir(runDir).build(), 3);
        g = node.cpu(0).guardian();
    }

    @AfterAll
    void close() {
        node.close();
    }

    private ConfigSources sources(Path run) {
        Map<String, String> env = new HashMap<>();
        env.put("OPENPAIR_NODE", node.config().nodeName());
        env.put("OPENPAIR_BASE_PORT", String.valueOf(node.config().basePort()));
        env.put("OPENPAIR_RUN_DIR", run.toString());
        return new ConfigSources(noSockets, noSockets, env, noSockets);
    }

    private InProcess.Result events(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "events";
        System.arraycopy(args, 0, all, 1, args.length);
        return InProcess.execute(sources(runDir), all);
    }

    private static List<JsonObject> json(InProcess.Result r) {
        assertThat(r.exitCode()).as("%s", r).isZero();
        List<JsonObject> objects = new ArrayList<>();
        for (String line : r.out().lines().toList()) {
            objects.add(Json.parse(line).asObject());
        }
        return objects;
    }

    /** Waits until {@code events --json} shows a line that {@code wanted} accepts, and returns it. */
    private JsonObject awaitEvent(String what, Predicate<JsonObject> wanted) {
        JsonObject[] found = new JsonObject[1];
        TestNodes.await(what, BOUND, () -> {
            for (JsonObject o : json(events("--json"))) {
                if (wanted.test(o)) {
                    found[0] = o;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private static boolean is(JsonObject o, String kind, String field, String value) {
        return kind.equals(o.getString("kind", null)) && value.equals(o.getString(field, null));
    }

    private boolean ready(String name) {
        var e = new NodeTables(node.cpu(0).engine()).names().get(name);
        return e != null && e.ready();
    }

    private PairInfo awaitPair(String name, int primaryCpu, int backupCpu) {
        g.processSpawn(SpawnRequest.of(Program.hosted(PairPrograms.Counter.class)).name(name).cpu(primaryCpu)
                .args(String.valueOf(backupCpu), "temporary").build());
        ProcessName n = ProcessName.of(name);
        TestNodes.await("a ready backup for " + name, BOUND, () -> g.processGetPairInfo(n).backup() != null && ready(name));
        return g.processGetPairInfo(n);
    }

    @Test
    void everyCpusStart_isLogged_andTheTextFormIsOneLineEach() {
        for (int cpu = 0; cpu < 3; cpu++) {
            int c = cpu;
            JsonObject up = awaitEvent("CPU " + cpu + " up", o -> "CpuUp".equals(o.getString("kind", null))
                    && o.getInt("up", -1) == c);
            assertThat(up.getInt("cpu", -1)).isEqualTo(cpu);
            assertThat(up.getString("node", null)).isEqualTo(node.config().nodeName());
            assertThat(up.getString("address", null)).isEqualTo(node.config().cpuAddresses().get(cpu));
        }
        InProcess.Result text = events();
        assertThat(text.exitCode()).as("%s", text).isZero();
        assertThat(text.err()).isEmpty();
        assertThat(text.out().lines()).as("%s", text)
                .anySatisfy(l -> assertThat(l).matches("\\d+ \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\\\"
                        + node.config().nodeName() + " cpu1 CpuUp up=1 address=127\\.0\\.0\\.1:\\d+"))
                .allSatisfy(l -> assertThat(l).matches("\\d+ .*"));
        assertThat(NodeConnection.lastRoute()).isEqualTo(NodeConnection.Route.ADMIN_SOCKET);
    }

    @Test
    void spawnAndStop_logProcessStartedAndEnded_withTheCompletionCode_inTheRingAndTheCpusFile() throws IOException {
        ProcessHandle h = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).name("$EVSP")
                .cpu(1).build());
        JsonObject started = awaitEvent("the start of " + h, o -> is(o, "ProcessStarted", "process", h.cpuPin()));
        assertThat(started.getString("name", null)).isEqualTo("$EVSP");
        assertThat(started.getInt("cpu", -1)).isEqualTo(1);
        g.processStop(h);
        TestNodes.await("the end of " + h, BOUND, () -> g.termination(h).isPresent());
        Termination t = g.termination(h).orElseThrow();
        JsonObject ended = awaitEvent("the end of " + h, o -> is(o, "ProcessEnded", "process", h.cpuPin()));
        assertThat(ended.getInt("completion", 99)).isEqualTo(t.completionCode());
        assertThat(ended.getString("cause", null)).isEqualTo(t.cause().name());
        assertThat(ended.getLong("seq", -1)).isGreaterThan(started.getLong("seq", -1));
        Path file = node.config().logDir().resolve("cpu1").resolve("events.log");
        TestNodes.await("CPU 1's file has the end", BOUND, () -> Files.exists(file) && lines(file).stream()
                .anyMatch(l -> l.contains("\"kind\":\"ProcessEnded\"") && l.contains("\"process\":\"" + h.cpuPin() + "\"")));
        for (String line : lines(file)) {
            assertThat(Json.parse(line).asObject().getInt("cpu", -1)).as(line).isEqualTo(1);
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }

    @Test
    void stoppingThePrimary_logsATakeover_withCauseOldNewEpochAndADuration_seenByFollow() throws Exception {
        PairInfo pair = awaitPair("$EVTK", 0, 1);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger exit = new AtomicInteger(-1);
        CommandLine cl = GuardianCommand.commandLineFor(new String[] {"events", "--follow"}, sources(runDir));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        Thread follower = new Thread(() -> exit.set(cl.execute("events", "--follow")), "events-follow");
        follower.start();
        try {
            TestNodes.await("follow printed what is there", BOUND, () -> out.toString().contains("CpuUp"));
            g.processStop(pair.primary());
            String expected = " Takeover name=$EVTK cause=PRIMARY_STOPPED old=" + pair.primary().cpuPin() + " new="
                    + pair.backup().cpuPin() + " epoch=";
            TestNodes.await("--follow shows the takeover", BOUND, () -> out.toString().contains(expected));
            String line = out.toString().lines().filter(l -> l.contains(expected)).findFirst().orElseThrow();
            assertThat(line).matches(".* cpu1 Takeover .* epoch=\\d+@\\d+ durationMs=\\d+");
        } finally {
            follower.interrupt();
            follower.join(BOUND.toMillis());
        }
        assertThat(follower.isAlive()).as("the follower ends when interrupted").isFalse();
        assertThat(exit.get()).as("out:%n%s%nerr:%n%s", out, err).isZero();
        JsonObject takeover = awaitEvent("the takeover", o -> is(o, "Takeover", "name", "$EVTK"));
        assertThat(takeover.getLong("epoch", -1)).isEqualTo(g.processGetPairInfo(ProcessName.of("$EVTK")).epoch());
        assertThat(takeover.getLong("durationMs", -1)).isGreaterThanOrEqualTo(0);
        g.processStop(ProcessName.of("$EVTK"));
    }

    @Test
    void aSwitch_logsSwitchOnTheOldPrimarysCpu_andATakeoverWithoutDuration() {
        PairInfo pair = awaitPair("$EVSW", 2, 0);
        g.switchPair(ProcessName.of("$EVSW"));
        long epoch = g.processGetPairInfo(ProcessName.of("$EVSW")).epoch();
        JsonObject sw = awaitEvent("the switch", o -> is(o, "Switch", "name", "$EVSW"));
        assertThat(sw.getInt("cpu", -1)).isEqualTo(2);
        assertThat(sw.getString("old", null)).isEqualTo(pair.primary().cpuPin());
        assertThat(sw.getString("new", null)).isEqualTo(pair.backup().cpuPin());
        assertThat(sw.getLong("epoch", -1)).isEqualTo(epoch);
        JsonObject takeover = awaitEvent("the switch's takeover", o -> is(o, "Takeover", "name", "$EVSW"));
        assertThat(takeover.getString("cause", null)).isEqualTo("SWITCH");
        assertThat(takeover.getInt("cpu", -1)).isEqualTo(0);
        assertThat(takeover.getLong("durationMs", 0)).isEqualTo(-1);
        g.processStop(ProcessName.of("$EVSW"));
    }

    @Test
    void aHolderThatDies_ofAnOrphanPolicySemaphore_logsSemaphoreOrphaned() {
        g.semaphoreCreate("evorph", 2, DeathPolicy.ORPHAN);
        ProcessHandle holder = g.processSpawn(SpawnRequest.of(Program.hosted(TestPrograms.WaitsForStop.class)).cpu(2).build());
        node.cpu(2).guardianAs(holder).semaphore("evorph").acquire(2);
        g.processStop(holder);
        JsonObject o = awaitEvent("the orphan", e -> is(e, "SemaphoreOrphaned", "semaphore", "evorph"));
        assertThat(o.getString("holder", null)).isEqualTo(holder.cpuPin());
        assertThat(o.getInt("permits", -1)).isEqualTo(2);
    }

    @Test
    void since_startsAtThatSequence_andPastTheNewestShowsNothing() {
        awaitEvent("CPU 2 up", o -> "CpuUp".equals(o.getString("kind", null)) && o.getInt("up", -1) == 2);
        List<JsonObject> all = json(events("--json"));
        assertThat(all.size()).isGreaterThanOrEqualTo(3);
        List<Long> seqs = all.stream().map(o -> o.getLong("seq", -1)).toList();
        assertThat(seqs).isSorted().doesNotHaveDuplicates();
        long middle = seqs.get(1);
        List<Long> from = json(events("--json", "--since", String.valueOf(middle))).stream()
                .map(o -> o.getLong("seq", -1)).toList();
        assertThat(from.get(0)).isEqualTo(middle);
        assertThat(from).allSatisfy(s -> assertThat(s).isGreaterThanOrEqualTo(middle));
        InProcess.Result past = events("--since", "1000000");
        assertThat(past.exitCode()).as("%s", past).isZero();
        assertThat(past.out()).isEmpty();
        assertThat(past.err()).isEmpty();
    }

    @Test
    void cpu_showsOnlyThatCpusEvents() {
        awaitEvent("CPU 2 up", o -> "CpuUp".equals(o.getString("kind", null)) && o.getInt("up", -1) == 2);
        List<JsonObject> two = json(events("--json", "--cpu", "2"));
        assertThat(two).isNotEmpty().allSatisfy(o -> assertThat(o.getInt("cpu", -1)).isEqualTo(2));
    }

    @Test
    void overTheEngine_theSameEvents() {
        awaitEvent("CPU 2 up", o -> "CpuUp".equals(o.getString("kind", null)) && o.getInt("up", -1) == 2);
        InProcess.Result r = InProcess.execute(sources(noSockets), "events", "--json");
        assertThat(NodeConnection.lastRoute()).isEqualTo(NodeConnection.Route.ENGINE);
        assertThat(json(r)).anySatisfy(o -> assertThat(o.getString("kind", null)).isEqualTo("CpuUp"));
        InProcess.Result bySocket = events("--json", "--since", "0");
        // The same ring: what the engine read is a prefix of what the socket read just after.
        List<String> viaEngine = r.out().lines().toList();
        assertThat(bySocket.out().lines().toList().subList(0, viaEngine.size())).isEqualTo(viaEngine);
    }

    @Test
    void badSinceOrCpu_isAUsageError_andHarmsNothing() {
        List<String[]> bad = List.of(new String[] {"--since", "-1"}, new String[] {"--since", "abc"},
                new String[] {"--cpu", "16"}, new String[] {"--cpu", "-1"}, new String[] {"--cpu", "x"},
                new String[] {"--since"});
        for (String[] args : bad) {
            InProcess.Result r = events(args);
            assertThat(r.exitCode()).as("%s: %s", String.join(" ", args), r).isEqualTo(ExitCodes.USAGE);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).isNotEmpty();
        }
        assertThat(events("--since", "-1").err()).contains("--since must be 0 or more: -1");
        assertThat(events("--cpu", "16").err()).contains("--cpu must be 0-15: 16");
        // The node is as it was: the command still reads its events.
        assertThat(json(events("--json"))).isNotEmpty();
        assertThat(g.cpus()).hasSize(3);
    }
}
