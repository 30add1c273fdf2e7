package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.openpair.emulator.json.Json;
import org.openpair.emulator.procedures.PairUpgrade;
import org.openpair.guardian.PairInfo;
import org.openpair.guardian.ProcessName;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code guardian upgrade}: a pair moved to a new version of its program without downtime. */
@Command(name = "upgrade", mixinStandardHelpOptions = true,
        description = {"Move a pair to a new version of its program, with a primary serving throughout: the backup is "
                + "stopped and a new one created from the new class path on its CPU; once it holds the whole state "
                + "the pair is switched, so the new version is the primary; then the old primary, now the backup, is "
                + "replaced the same way. Each step is printed with how long it took.",
                "On the node's machine the CPU behind the admin socket runs the steps, and they go on if this command "
                + "dies; from another machine this command runs them over the engine. Each step leaves a whole pair: "
                + "run the command again after any failure or interruption and it does what is left; a member already "
                + "on the new class path is not replaced again.",
                "The new class path is checked on the members' CPUs before anything changes (the program's class "
                + "must load from it). A new version that does not start as the backup (its constructor throws) "
                + "stops the upgrade before the switch: the old primary serves on, with a backup of the old version "
                + "again.",
                "Checkpoint compatibility is the program's responsibility: the new version's backup receives the "
                + "state and checkpoints the old version made, and after the switch the old version's backup "
                + "receives the new one's, until it is replaced."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:upgraded", "1:Guardian error (the message says which steps were done): 13 bad name, "
                + "14 no such process, 2 the process has no backup or is no pair member, or the new version's "
                + "constructor failed, or a class path entry is no jar nor directory, 11 a class path entry or the "
                + "program's class is missing, 40 a step did not end in time, 210 the pair changed during the "
                + "upgrade", "2:usage", "3:node not reachable"})
final class UpgradeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "$NAME", description = "The pair to upgrade.")
    String name;

    @Option(names = "--class-path", paramLabel = "PATHS", required = true,
            description = "The new version's classes, for both members." + ClassPathOption.DESCRIPTION_SUFFIX
                    + " Each must exist on the members' machines (error 11).")
    List<String> classPath;

    @Option(names = "--probe", paramLabel = "REQUEST",
            description = "Send REQUEST to the pair (WRITEREAD) again and again during the upgrade, and print how "
                    + "many were answered and the longest time without an answer. It should change nothing.")
    String probe;

    @Mixin
    NodeOptions node;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ProcessName pname = ProcessName.of(name);
        List<String> entries = ClassPathOption.absolute(spec.commandLine(), classPath);
        try (NodeConnection connection = NodeConnection.open(node.config())) {
            long started = System.nanoTime();
            List<PairUpgrade.Step> steps;
            UpgradeProbe p = probe == null ? null
                    : new UpgradeProbe(connection.guardian(), pname, probe, Duration.ofSeconds(30));
            try {
                steps = connection.upgrade(pname, entries);
            } finally {
                if (p != null) {
                    p.close();
                    if (!output.json) {
                        printProbe(out, p);
                    }
                }
            }
            long total = (System.nanoTime() - started) / 1_000_000;
            PairInfo after = connection.guardian().processGetPairInfo(pname);
            if (output.json) {
                out.println(Json.of(json(pname, steps, total, after, p)));
            } else {
                for (PairUpgrade.Step s : steps) {
                    out.printf("%-9s %7d ms  %s%n", s.step(), s.millis(), s.detail());
                }
                out.println("upgraded " + pname + " in " + total + " ms: primary " + after.primary().cpuPin()
                        + ", backup " + (after.backup() == null ? "-" : after.backup().cpuPin()) + ", class path "
                        + String.join(":", entries));
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static void printProbe(PrintWriter out, UpgradeProbe p) {
        out.println("probe: " + p.answered() + " requests answered, " + p.failed() + " failed"
                + (p.lastFailure() == null ? "" : " (last: " + p.lastFailure() + ")")
                + ", longest unanswered gap " + p.longestGapMillis() + " ms"
                + (p.lastReply() == null ? "" : "; last reply: " + p.lastReply()));
        out.flush();
    }

    private static Map<String, Object> json(ProcessName name, List<PairUpgrade.Step> steps, long total,
                                            PairInfo after, UpgradeProbe p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name.toString());
        List<Map<String, Object>> list = new ArrayList<>();
        for (PairUpgrade.Step s : steps) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("step", s.step());
            one.put("ms", s.millis());
            one.put("detail", s.detail());
            list.add(one);
        }
        m.put("steps", list);
        m.put("ms", total);
        m.put("primary", after.primary().cpuPin());
        m.put("backup", after.backup() == null ? null : after.backup().cpuPin());
        if (p != null) {
            Map<String, Object> probe = new LinkedHashMap<>();
            probe.put("answered", p.answered());
            probe.put("failed", p.failed());
            probe.put("longestGapMs", p.longestGapMillis());
            m.put("probe", probe);
        }
        return m;
    }
}
