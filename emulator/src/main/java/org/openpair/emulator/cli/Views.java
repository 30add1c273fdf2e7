package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Program;
import org.openpair.guardian.Termination;

/** How processes, CPUs and deaths are shown: TACL-like tables, or JSON objects for scripts. */
final class Views {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    private Views() {
    }

    static Map<String, Object> process(ProcessInfo p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name() == null ? null : p.name().toString());
        m.put("descriptor", p.descriptor());
        m.put("cpu", p.handle().cpu());
        m.put("pin", p.handle().pin());
        m.put("verifier", p.handle().verifier());
        m.put("priority", p.priority());
        m.put("kind", p.program() instanceof Program.Hosted ? "hosted" : "os");
        m.put("program", p.program().display());
        m.put("pid", p.pid());
        m.put("state", "RUNNING");
        m.put("started", p.started().toString());
        m.put("ancestor", handle(p.ancestor()));
        m.put("log", p.logFile());
        return m;
    }

    static Map<String, Object> termination(Termination t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", t.name() == null ? null : t.name().toString());
        m.put("descriptor", t.process().descriptor(t.name()));
        m.put("cpu", t.process().cpu());
        m.put("pin", t.process().pin());
        m.put("program", t.program());
        m.put("cause", t.cause().name());
        m.put("completion_code", t.completionCode());
        m.put("exit_status", t.exitStatus());
        m.put("signal", t.signal());
        m.put("killer", handle(t.killer()));
        m.put("detail", t.detail());
        m.put("at", t.at().toString());
        return m;
    }

    static Map<String, Object> cpu(CpuInfo c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", c.cpu());
        m.put("state", "UP");
        m.put("address", c.address());
        m.put("processes", c.processes());
        m.put("started", c.started().toString());
        return m;
    }

    static String handle(ProcessHandle h) {
        return h == null ? null : h.descriptor(null);
    }

    static String time(java.time.Instant i) {
        return TIME.format(i);
    }

    /** STATUS: name, cpu,pin, priority, program, state, started. */
    static void statusTable(PrintWriter out, List<ProcessInfo> processes) {
        String fmt = "%-7s %-9s %-4s %-6s %-8s %-19s %s%n";
        out.printf(fmt, "NAME", "CPU,PIN", "PRI", "KIND", "STATE", "STARTED", "PROGRAM");
        for (ProcessInfo p : processes) {
            out.printf(fmt, p.name() == null ? "" : p.name(), p.handle().cpuPin(), p.priority(),
                    p.program() instanceof Program.Hosted ? "hosted" : "os", "RUNNING", time(p.started()),
                    p.program().display() + (p.pid() != 0 ? " (pid " + p.pid() + ")" : ""));
        }
    }

    static void terminationTable(PrintWriter out, List<Termination> ended) {
        String fmt = "%-7s %-9s %-5s %-10s %-19s %s%n";
        out.printf(fmt, "NAME", "CPU,PIN", "CODE", "CAUSE", "ENDED", "DETAIL");
        for (Termination t : ended) {
            out.printf(fmt, t.name() == null ? "" : t.name(), t.process().cpuPin(), t.completionCode(), t.cause(),
                    time(t.at()), t.detail() + (t.killer() != null ? " (stopped by " + t.killer().cpuPin() + ")" : ""));
        }
    }

    static void cpuTable(PrintWriter out, List<CpuInfo> cpus) {
        String fmt = "%-4s %-6s %-22s %-9s %s%n";
        out.printf(fmt, "CPU", "STATE", "ADDRESS", "PROCESSES", "STARTED");
        for (CpuInfo c : cpus) {
            out.printf(fmt, c.cpu(), "UP", c.address(), c.processes(), time(c.started()));
        }
    }
}
