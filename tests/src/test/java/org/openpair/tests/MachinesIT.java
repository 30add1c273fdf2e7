package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.hazelcast.internal.json.Json;
import com.hazelcast.internal.json.JsonObject;
import com.hazelcast.internal.json.JsonValue;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.netns.NetnsLab;
import org.openpair.examples.CounterServer;
import org.openpair.testing.GuardianCli;
import org.openpair.testing.TestCluster;
import org.openpair.testing.netns.NetnsNode;

/**
 * The two-machine setup of docs/machines.md, with network namespaces standing for the hosts:
 * machines A and B (namespaces 0 and 1) each run one CPU as the systemd unit would
 * ({@code guardian cpu start --cpu N} with the shared settings file, the machine's address in
 * {@code OPENPAIR_BIND}, a run directory of its own), and the command runs on a third machine
 * (namespace 2), where no CPU and no admin socket is: it reaches the node through the engine at
 * {@code --members} only. There it runs the counter pair of docs/operations.md ("Crash a CPU"),
 * talks to it, and after {@code kill -9} of machine A's CPU sees the backup on B take over
 * with the counter.
 *
 * <p>Skipped (with the reason) where network namespaces cannot be made: not root, no iproute2.
 */
class MachinesIT {
    private static final int BASE_PORT = 5801;
    private static final Duration BOUND = Duration.ofSeconds(60);
    /** One command: a JVM and an engine client, on a machine shared with other builds. */
    private static final Duration COMMAND_BOUND = Duration.ofSeconds(60);
    private static final Pattern COUNTER = Pattern.compile("counter (\\d+)");

    private final long t0 = System.nanoTime();

    @Test
    void pairOnTwoMachines_runFromAThird_survivesKill9OfThePrimarysCpu() throws Exception {
        NetnsLab lab;
        try {
            lab = NetnsLab.create(3);
        } catch (NetnsLab.Unavailable e) {
            System.out.println("MachinesIT skipped: " + e.getMessage());
            assumeTrue(false, "network namespaces unavailable: " + e.getMessage());
            return;
        }
        step("lab " + lab);
        try (lab; NetnsNode node = NetnsNode.startMachines(lab, 2, BASE_PORT, null)) {
            step("CPUs up: " + node);
            new ThirdMachine(node).play();
        } finally {
            step("cleaned up");
        }
    }

    /** The command on namespace 2, as an operator types it there. */
    private final class ThirdMachine {
        private final NetnsNode node;
        private final String nodeName;
        private final String members;
        private final Path runDir;
        private final AtomicInteger calls = new AtomicInteger();
        private final List<String> transcript = new ArrayList<>();

        ThirdMachine(NetnsNode node) {
            this.node = node;
            this.nodeName = node.config().nodeName();
            this.members = node.cpuAddress(0) + "," + node.cpuAddress(1);
            this.runDir = node.logDir().resolve("third-machine-run");
        }

        void play() throws Exception {
            try {
                scenario();
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(e.getMessage() + "\n--- commands on the third machine:\n"
                        + String.join("\n", transcript) + "\n" + node.allTails(), e);
            }
        }

        private void scenario() throws Exception {
            // Each CPU listens on its own machine's address and has its admin socket in its own run directory.
            for (int cpu = 0; cpu < 2; cpu++) {
                assertThat(node.jvm(cpu).text()).as("CPU %d's output", cpu)
                        .contains(node.upLine(cpu) + node.lab().address(cpu) + ":" + (BASE_PORT + cpu));
                Path socket = node.runDir(cpu).resolve(nodeName).resolve("cpu" + cpu + ".sock");
                assertThat(Files.exists(socket)).as("admin socket %s (CPU %d's machine)", socket, cpu).isTrue();
            }
            assertThat(Files.exists(runDir)).as("a run directory on the third machine").isFalse();

            // CPU 1's unit enabled on machine A by mistake: it cannot listen on B's address, and says so.
            List<String> onMachineA = new ArrayList<>(node.lab().execPrefix(0));
            onMachineA.addAll(List.of("/usr/bin/env", "OPENPAIR_RUN_DIR=" + node.logDir().resolve("wrong-machine-run")));
            GuardianCli.Result wrong = GuardianCli.executeInNewJvm(onMachineA, node.logDir().resolve("cpu1-on-machine-a"),
                    COMMAND_BOUND, "cpu", "start", "--cpu", "1", "--config", node.configFile().toString());
            transcript.add("CPU 1 started on machine A -> " + wrong.toString().strip());
            assertThat(wrong.exitCode()).as("cpu start --cpu 1 on machine A\n%s", wrong).isEqualTo(1);
            assertThat(wrong.err()).contains("CPU 1 could not start");

            // The node is as it was, seen from the third machine: both CPUs up, each at its machine's address.
            GuardianCli.Result cpus = command("cpus", "--json");
            assertThat(cpus.exitCode()).as("cpus\n%s", cpus).isZero();
            assertThat(cpus.outLines()).as("cpus --json\n%s", cpus).map(l -> {
                JsonObject o = Json.parse(l).asObject();
                return o.getInt("cpu", -1) + " " + o.getString("state", "") + " " + o.getString("address", "");
            }).containsExactlyInAnyOrder("0 UP " + node.cpuAddress(0), "1 UP " + node.cpuAddress(1));
            assertThat(node.jvm(1).isAlive()).as("CPU 1's JVM on machine B").isTrue();

            GuardianCli.Result run = command("run", "--name", "ctr", "--cpu", "0", "--hosted",
                    CounterServer.class.getName(), "1", "200");
            assertThat(run.exitCode()).as("run\n%s", run).isZero();
            assertThat(run.out()).startsWith("\\" + nodeName + ".$CTR:").contains("cpu,pin 0,");

            JsonObject before = awaitPair("$CTR: primary on CPU 0, its backup on CPU 1 ready",
                    p -> cpuOf(p, "primary") == 0 && cpuOf(p, "backup") == 1 && p.getBoolean("backup_ready", false));
            step("pair up: " + before);

            GuardianCli.Result next = command("send", "ctr", "next");
            assertThat(next.exitCode()).as("send ctr next\n%s", next).isZero();
            long counted = counter(next);
            step("send ctr next: " + next.out().strip());

            long cpu0 = node.jvm(0).pid();
            assertThat(node.jvm(0).kill9(BOUND)).as("CPU 0's JVM (pid %d) gone after SIGKILL", cpu0).isTrue();
            step("kill -9 " + cpu0 + " (CPU 0, machine A)");

            long epoch = before.getLong("epoch", 0);
            JsonObject after = awaitPair("$CTR: the backup on CPU 1 to be the primary, at a higher epoch",
                    p -> cpuOf(p, "primary") == 1 && p.getLong("epoch", 0) > epoch);
            step("took over: " + after);
            assertThat(after.getString("primary", "")).isEqualTo(before.getString("backup", null));

            GuardianCli.Result get = command("send", "ctr", "get");
            assertThat(get.exitCode()).as("send ctr get\n%s", get).isZero();
            assertThat(counter(get)).as("the counter after the takeover vs the one 'next' returned before")
                    .isGreaterThanOrEqualTo(counted);
            step("send ctr get: " + get.out().strip());
            assertThat(Files.exists(runDir.resolve(nodeName))).as("admin sockets on the third machine").isFalse();
        }

        /** Polls {@code ppd ctr --json} on the third machine until {@code wanted} holds. */
        private JsonObject awaitPair(String what, Predicate<JsonObject> wanted) {
            AtomicReference<JsonObject> last = new AtomicReference<>();
            TestCluster.awaitCondition(what, BOUND, () -> {
                GuardianCli.Result ppd = command("ppd", "--json", "ctr");
                if (ppd.exitCode() != 0 || ppd.outLines().size() != 1) {
                    return false;
                }
                JsonValue v = Json.parse(ppd.outLines().get(0));
                last.set(v.asObject());
                return wanted.test(v.asObject());
            }, () -> "last ppd: " + last.get());
            return last.get();
        }

        /** {@code guardian SUBCOMMAND --node N --members A,B --run-dir DIR ARGS...} in namespace 2. */
        private GuardianCli.Result command(String subcommand, String... args) {
            List<String> prefix = new ArrayList<>(node.lab().execPrefix(2));
            // No settings file of the machine running the test: the flags are the third machine's settings.
            prefix.addAll(List.of("/usr/bin/env", "OPENPAIR_CONFIG=/dev/null"));
            List<String> line = new ArrayList<>(List.of(subcommand, "--node", nodeName, "--members", members,
                    "--run-dir", runDir.toString()));
            line.addAll(List.of(args));
            int n = calls.incrementAndGet();
            long start = System.nanoTime();
            GuardianCli.Result r = GuardianCli.executeInNewJvm(prefix, node.logDir().resolve("cli" + n), COMMAND_BOUND,
                    line.toArray(String[]::new));
            transcript.add(String.format("[%.1f s] guardian %s -> %s", (System.nanoTime() - start) / 1e9,
                    String.join(" ", line), r.toString().strip()));
            return r;
        }
    }

    private static int cpuOf(JsonObject pair, String member) {
        JsonValue v = pair.get(member);
        return v == null || !v.isString() ? -1 : Integer.parseInt(v.asString().split(",")[0]);
    }

    private static long counter(GuardianCli.Result r) {
        Matcher m = COUNTER.matcher(r.out());
        assertThat(m.find()).as("a counter in\n%s", r).isTrue();
        return Long.parseLong(m.group(1));
    }

    private void step(String what) {
        System.out.printf("[MachinesIT +%5.1f s] %s%n", (System.nanoTime() - t0) / 1e9, what);
        System.out.flush();
    }
}
