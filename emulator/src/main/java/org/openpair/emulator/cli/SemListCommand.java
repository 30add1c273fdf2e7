package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.openpair.emulator.json.Json;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.SemaphoreInfo;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code guardian sem list}: semaphores with their holders and orphans. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List robust semaphores: permits, available, policy, consistency, holders (cpu,pin:permits), "
                + "orphans and queued waiters.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:Guardian error: 11 no such semaphore, 13 bad name", "2:usage", "3:node not reachable"})
final class SemListCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "NAME", description = "Only this semaphore.")
    String name;

    @Mixin
    NodeOptions node;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (NodeConnection connection = NodeConnection.open(node.config())) {
            List<SemaphoreInfo> all = name == null ? connection.guardian().semaphores()
                    : List.of(connection.guardian().semaphore(name).info());
            if (output.json) {
                for (SemaphoreInfo s : all) {
                    out.println(Json.of(view(s)));
                }
            } else {
                String row = "%-20s %7s %9s %-8s %-15s %7s  %-24s %s%n";
                out.printf(Locale.ROOT, row, "NAME", "PERMITS", "AVAILABLE", "POLICY", "STATE", "WAITERS", "HOLDERS", "ORPHANS");
                for (SemaphoreInfo s : all) {
                    out.printf(Locale.ROOT, row, s.name(), s.permits(), s.available(), s.policy(), s.consistency(),
                            s.waiters(), handles(s.holders()), handles(s.orphans()));
                }
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static String handles(Map<ProcessHandle, Integer> m) {
        if (m.isEmpty()) {
            return "-";
        }
        List<String> parts = new ArrayList<>();
        m.forEach((h, n) -> parts.add(h.cpuPin() + ":" + n));
        parts.sort(null);
        return String.join(" ", parts);
    }

    private static Map<String, Object> view(SemaphoreInfo s) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", s.name());
        v.put("permits", s.permits());
        v.put("available", s.available());
        v.put("policy", s.policy().name());
        v.put("consistency", s.consistency().name());
        v.put("waiters", s.waiters());
        v.put("holders", list(s.holders()));
        v.put("orphans", list(s.orphans()));
        v.put("dead_owners", s.deadOwners().stream().map(ProcessHandle::toString).toList());
        v.put("state_version", s.stateVersion());
        return v;
    }

    private static List<Map<String, Object>> list(Map<ProcessHandle, Integer> m) {
        List<Map<String, Object>> l = new ArrayList<>();
        m.forEach((h, n) -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("process", h.toString());
            e.put("cpu_pin", h.cpuPin());
            e.put("permits", n);
            l.add(e);
        });
        return l;
    }
}
