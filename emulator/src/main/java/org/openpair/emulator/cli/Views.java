package org.openpair.emulator.cli;

import java.io.PrintWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.openpair.emulator.names.Epochs;
import org.openpair.guardian.CpuInfo;
import org.openpair.guardian.PairInfo;
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

    /**
     * The role the name table gives a process: PRIMARY or BACKUP where its (verified) entry
     * names it so, "" for an unnamed process, and "?" for a named one the table does not place:
     * its entry is gone or was refused as forged, or names other processes. Never PRIMARY by
     * default, so one pair never shows two primaries.
     */
    static String role(ProcessInfo p, Map<String, PairInfo> pairs) {
        if (p.name() == null) {
            return "";
        }
        PairInfo pair = pairs.get(p.name().toString());
        if (pair == null) {
            return UNKNOWN_ROLE;
        }
        return p.handle().equals(pair.primary()) ? "PRIMARY" : p.handle().equals(pair.backup()) ? "BACKUP"
                : UNKNOWN_ROLE;
    }

    /** A named process whose place in its pair the name table does not say. */
    static final String UNKNOWN_ROLE = "?";

    /** The pair information of every name among the processes, fetched once per name. */
    static Map<String, PairInfo> pairsOf(org.openpair.guardian.Guardian g, List<ProcessInfo> processes) {
        Map<String, PairInfo> pairs = new LinkedHashMap<>();
        for (ProcessInfo p : processes) {
            if (p.name() != null) {
                pairs.computeIfAbsent(p.name().toString(), n -> g.processGetPairInfo(p.name()));
            }
        }
        return pairs;
    }

    static Map<String, Object> process(ProcessInfo p, Map<String, PairInfo> pairs) {
        Map<String, Object> m = process(p);
        m.put("role", role(p, pairs));
        return m;
    }

    static Map<String, Object> process(ProcessInfo p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name() == null ? null : p.name().toString());
        m.put("descriptor", p.descriptor());
        m.put("cpu", p.handle().cpu());
        m.put("pin", p.handle().pin());
        m.put("verifier", p.handle().verifier());
        m.put("priority", p.priority());
        m.put("kind", kind(p.program()));
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

    /** STATUS: name, cpu,pin, priority, role (backups marked), program, state, started. */
    static void statusTable(PrintWriter out, List<ProcessInfo> processes, Map<String, PairInfo> pairs) {
        String fmt = "%-7s %-9s %-4s %-6s %-7s %-8s %-19s %s%n";
        out.printf(fmt, "NAME", "CPU,PIN", "PRI", "KIND", "ROLE", "STATE", "STARTED", "PROGRAM");
        for (ProcessInfo p : processes) {
            out.printf(fmt, p.name() == null ? "" : p.name(), p.handle().cpuPin(), p.priority(),
                    kind(p.program()), role(p, pairs), "RUNNING", time(p.started()),
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

    /**
     * PPD: name, primary cpu,pin, backup cpu,pin (blank if none; marked {@code *} while it may
     * not take over), epoch (counter@cpu), ancestor.
     */
    static void ppdTable(PrintWriter out, List<PairInfo> pairs) {
        String fmt = "%-7s %-9s %-9s %-6s %s%n";
        out.printf(fmt, "NAME", "PRIMARY", "BACKUP", "EPOCH", "ANCESTOR");
        boolean unready = false;
        for (PairInfo p : pairs) {
            unready |= p.backup() != null && !p.backupReady();
            out.printf(fmt, p.name(), p.primary() == null ? "" : p.primary().cpuPin(),
                    p.backup() == null ? "" : p.backup().cpuPin() + (p.backupReady() ? "" : "*"),
                    Epochs.format(p.epoch()),
                    p.ancestor() == null ? "(operator)" : p.ancestor().descriptor(null));
        }
        if (unready) {
            out.println("* the backup does not hold the whole state yet: it cannot take over");
        }
    }

    static Map<String, Object> pair(PairInfo p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name().toString());
        m.put("primary", p.primary() == null ? null : p.primary().cpuPin());
        m.put("primary_descriptor", p.primary() == null ? null : p.primary().descriptor(p.name()));
        m.put("backup", p.backup() == null ? null : p.backup().cpuPin());
        m.put("backup_ready", p.backupReady());
        m.put("epoch", p.epoch());
        m.put("ancestor", handle(p.ancestor()));
        return m;
    }

    static void cpuTable(PrintWriter out, List<CpuInfo> cpus) {
        String fmt = "%-4s %-6s %-22s %-9s %s%n";
        out.printf(fmt, "CPU", "STATE", "ADDRESS", "PROCESSES", "STARTED");
        for (CpuInfo c : cpus) {
            out.printf(fmt, c.cpu(), "UP", c.address(), c.processes(), time(c.started()));
        }
    }

    /** STATUS's kind column: hosted, java (a Java OS process attached to its CPU) or os. */
    static String kind(Program program) {
        return program instanceof Program.Hosted ? "hosted" : program instanceof Program.Java ? "java" : "os";
    }
}
