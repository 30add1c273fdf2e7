package org.openpair.emulator.attach;

import java.time.Instant;

import org.openpair.emulator.codec.GuardianCodecs;

import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.SystemMessage;
import org.openpair.guardian.Takeover;
import org.openpair.guardian.TakeoverCause;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/**
 * The API records that travel from the CPU to the child (a takeover, a system message, a
 * death record), field by field. Not Java serialization: its first use in a JVM costs tens of
 * milliseconds of class loading and method-handle spinning, which would land on the takeover
 * path of a backup that waited idle; and a plain codec leaves no object graph to trust.
 */
final class ApiCodec {
    private ApiCodec() {
    }

    static Wire.Out handle(Wire.Out w, ProcessHandle h) {
        return w.str(h.node()).i32(h.cpu()).i32(h.pin()).i64(h.verifier());
    }

    static ProcessHandle handle(Wire.In in) throws AttachProtocolException {
        String node = in.str();
        int cpu = in.i32();
        int pin = in.i32();
        long verifier = in.i64();
        try {
            return new ProcessHandle(node, cpu, pin, verifier);
        } catch (IllegalArgumentException e) {
            throw new AttachProtocolException("bad process handle: " + e.getMessage());
        }
    }

    static Wire.Out optHandle(Wire.Out w, ProcessHandle h) {
        w.bool(h != null);
        return h == null ? w : handle(w, h);
    }

    static ProcessHandle optHandle(Wire.In in) throws AttachProtocolException {
        return in.bool() ? handle(in) : null;
    }

    static Wire.Out termination(Wire.Out w, Termination t) {
        handle(w, t.process()).optStr(t.name() == null ? null : t.name().toString()).str(t.program())
                .constant(GuardianCodecs.TERMINATION_CAUSE, t.cause()).i32(t.completionCode()).i32(t.exitStatus()).i32(t.signal());
        optHandle(w, t.killer()).str(t.detail());
        return w.i64(t.at().getEpochSecond()).i32(t.at().getNano());
    }

    static Termination termination(Wire.In in) throws AttachProtocolException {
        ProcessHandle process = handle(in);
        String name = in.optStr();
        String program = in.str();
        TerminationCause cause = in.constant(GuardianCodecs.TERMINATION_CAUSE);
        int completion = in.i32();
        int exit = in.i32();
        int signal = in.i32();
        ProcessHandle killer = optHandle(in);
        String detail = in.str();
        Instant at = Instant.ofEpochSecond(in.i64(), in.i32());
        return new Termination(process, name == null ? null : ProcessName.of(name), program, cause, completion, exit,
                signal, killer, detail, at);
    }

    static Wire.Out optTermination(Wire.Out w, Termination t) {
        w.bool(t != null);
        return t == null ? w : termination(w, t);
    }

    static Termination optTermination(Wire.In in) throws AttachProtocolException {
        return in.bool() ? termination(in) : null;
    }

    static Wire.Out takeover(Wire.Out w, Takeover t) {
        w.constant(GuardianCodecs.TAKEOVER_CAUSE, t.cause());
        handle(w, t.oldPrimary());
        optTermination(w, t.termination());
        return w.i64(t.epoch());
    }

    static Takeover takeover(Wire.In in) throws AttachProtocolException {
        TakeoverCause cause = in.constant(GuardianCodecs.TAKEOVER_CAUSE);
        ProcessHandle old = handle(in);
        Termination t = optTermination(in);
        return new Takeover(cause, old, t, in.i64());
    }

    static Wire.Out systemMessage(Wire.Out w, SystemMessage m) {
        if (m instanceof SystemMessage.ProcessDeletion d) {
            termination(w.i8(1), d.termination());
        } else if (m instanceof SystemMessage.CpuDown d) {
            termination(w.i8(2).i32(d.cpu()), d.termination());
        } else if (m instanceof SystemMessage.CpuUp u) {
            w.i8(3).i32(u.cpu());
        } else if (m instanceof SystemMessage.ProcessOpen o) {
            optHandle(w.i8(4), o.opener()).i64(o.openId()).i32(o.syncDepth());
        } else if (m instanceof SystemMessage.ProcessClose c) {
            optHandle(w.i8(5), c.opener()).i64(c.openId());
        } else {
            throw new IllegalArgumentException("unknown system message " + m);
        }
        return w;
    }

    static SystemMessage systemMessage(Wire.In in) throws AttachProtocolException {
        int kind = in.i8();
        return switch (kind) {
            case 1 -> new SystemMessage.ProcessDeletion(termination(in));
            case 2 -> new SystemMessage.CpuDown(in.i32(), termination(in));
            case 3 -> new SystemMessage.CpuUp(in.i32());
            case 4 -> new SystemMessage.ProcessOpen(optHandle(in), in.i64(), in.i32());
            case 5 -> new SystemMessage.ProcessClose(optHandle(in), in.i64());
            default -> throw new AttachProtocolException("system message kind " + kind);
        };
    }

    static Wire.Out handles(Wire.Out w, java.util.List<ProcessHandle> hs) {
        w.i32(hs.size());
        hs.forEach(h -> handle(w, h));
        return w;
    }

    static java.util.List<ProcessHandle> handles(Wire.In in) throws AttachProtocolException {
        int n = in.i32();
        if (n < 0 || n > Wire.MAX_ITEMS) {
            throw new AttachProtocolException("list of " + n + " handles");
        }
        java.util.List<ProcessHandle> hs = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            hs.add(handle(in));
        }
        return hs;
    }

    private static Wire.Out counts(Wire.Out w, java.util.Map<ProcessHandle, Integer> m) {
        w.i32(m.size());
        m.forEach((h, c) -> handle(w, h).i32(c));
        return w;
    }

    private static java.util.Map<ProcessHandle, Integer> counts(Wire.In in) throws AttachProtocolException {
        int n = in.i32();
        if (n < 0 || n > Wire.MAX_ITEMS) {
            throw new AttachProtocolException("map of " + n + " holders");
        }
        java.util.Map<ProcessHandle, Integer> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(handle(in), in.i32());
        }
        return m;
    }

    static Wire.Out acquisition(Wire.Out w, org.openpair.guardian.Acquisition a) {
        return handles(w.str(a.semaphore()).i32(a.permits()).bool(a.ownerDied()), a.deadOwners());
    }

    static org.openpair.guardian.Acquisition acquisition(Wire.In in) throws AttachProtocolException {
        return new org.openpair.guardian.Acquisition(in.str(), in.i32(), in.bool(), handles(in));
    }

    static Wire.Out protectedState(Wire.Out w, org.openpair.guardian.ProtectedState s) {
        w.i64(s.version()).i32(s.keys().size());
        for (String k : s.keys()) {
            w.str(k).bytes(s.get(k).orElseThrow());
        }
        return w;
    }

    static org.openpair.guardian.ProtectedState protectedState(Wire.In in) throws AttachProtocolException {
        long version = in.i64();
        int n = in.i32();
        if (n < 0 || n > Wire.MAX_ITEMS) {
            throw new AttachProtocolException("state of " + n + " keys");
        }
        java.util.Map<String, byte[]> values = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            values.put(in.str(), in.bytes());
        }
        return new org.openpair.guardian.ProtectedState(values, version);
    }

    static Wire.Out semaphoreInfo(Wire.Out w, org.openpair.guardian.SemaphoreInfo i) {
        w.str(i.name()).i32(i.permits()).i32(i.available()).constant(GuardianCodecs.DEATH_POLICY, i.policy())
                .constant(GuardianCodecs.CONSISTENCY, i.consistency());
        counts(w, i.holders());
        counts(w, i.orphans());
        return handles(w, i.deadOwners()).i32(i.waiters()).i64(i.stateVersion());
    }

    static org.openpair.guardian.SemaphoreInfo semaphoreInfo(Wire.In in) throws AttachProtocolException {
        return new org.openpair.guardian.SemaphoreInfo(in.str(), in.i32(), in.i32(),
                in.constant(GuardianCodecs.DEATH_POLICY), in.constant(GuardianCodecs.CONSISTENCY), counts(in), counts(in), handles(in), in.i32(),
                in.i64());
    }

    static Wire.Out program(Wire.Out w, org.openpair.guardian.Program p) {
        int kind = p instanceof org.openpair.guardian.Program.Hosted ? 0 : p instanceof org.openpair.guardian.Program.Java ? 1 : 2;
        String text = p instanceof org.openpair.guardian.Program.Hosted h ? h.className()
                : p instanceof org.openpair.guardian.Program.Java j ? j.className()
                : ((org.openpair.guardian.Program.Executable) p).path();
        return w.i8(kind).str(text);
    }

    /** A program as sent; its own checks (a blank class name) are the caller's GuardianException. */
    record ProgramFields(int kind, String text) {
        org.openpair.guardian.Program toProgram() {
            return switch (kind) {
                case 0 -> org.openpair.guardian.Program.hosted(text);
                case 1 -> org.openpair.guardian.Program.java(text);
                default -> org.openpair.guardian.Program.executable(text);
            };
        }
    }

    static ProgramFields programFields(Wire.In in) throws AttachProtocolException {
        int kind = in.i8();
        if (kind < 0 || kind > 2) {
            throw new AttachProtocolException("program kind " + kind);
        }
        return new ProgramFields(kind, in.str());
    }

    private static org.openpair.guardian.Program program(Wire.In in) throws AttachProtocolException {
        try {
            return programFields(in).toProgram();
        } catch (RuntimeException e) {
            throw new AttachProtocolException("bad program: " + e.getMessage());
        }
    }

    static Wire.Out optName(Wire.Out w, ProcessName n) {
        return w.optStr(n == null ? null : n.toString());
    }

    static ProcessName optName(Wire.In in) throws AttachProtocolException {
        String n = in.optStr();
        try {
            return n == null ? null : ProcessName.of(n);
        } catch (RuntimeException e) {
            throw new AttachProtocolException("bad process name: " + e.getMessage());
        }
    }

    private static Wire.Out optInstant(Wire.Out w, Instant at) {
        w.bool(at != null);
        return at == null ? w : w.i64(at.getEpochSecond()).i32(at.getNano());
    }

    private static Instant optInstant(Wire.In in) throws AttachProtocolException {
        if (!in.bool()) {
            return null;
        }
        long seconds = in.i64();
        int nanos = in.i32();
        try {
            return Instant.ofEpochSecond(seconds, nanos);
        } catch (RuntimeException e) {
            throw new AttachProtocolException("bad instant: " + e.getMessage());
        }
    }

    static Wire.Out processInfo(Wire.Out w, org.openpair.guardian.ProcessInfo p) {
        optName(handle(w, p.handle()), p.name());
        program(w, p.program()).i32(p.priority()).i64(p.pid());
        optInstant(w, p.started());
        return optHandle(w, p.ancestor()).optStr(p.logFile());
    }

    static org.openpair.guardian.ProcessInfo processInfo(Wire.In in) throws AttachProtocolException {
        return new org.openpair.guardian.ProcessInfo(handle(in), optName(in), program(in), in.i32(), in.i64(),
                optInstant(in), optHandle(in), in.optStr());
    }

    static Wire.Out pairInfo(Wire.Out w, org.openpair.guardian.PairInfo p) {
        optName(w.constant(GuardianCodecs.PAIR_STATUS, p.status()), p.name());
        optHandle(w, p.primary());
        optHandle(w, p.backup());
        return optHandle(w, p.ancestor()).i64(p.epoch()).bool(p.backupReady());
    }

    static org.openpair.guardian.PairInfo pairInfo(Wire.In in) throws AttachProtocolException {
        return new org.openpair.guardian.PairInfo(in.constant(GuardianCodecs.PAIR_STATUS), optName(in),
                optHandle(in), optHandle(in), optHandle(in), in.i64(), in.bool());
    }

    static Wire.Out cpuInfo(Wire.Out w, org.openpair.guardian.CpuInfo c) {
        return optInstant(w.i32(c.cpu()).optStr(c.address()), c.started()).i32(c.processes());
    }

    static org.openpair.guardian.CpuInfo cpuInfo(Wire.In in) throws AttachProtocolException {
        return new org.openpair.guardian.CpuInfo(in.i32(), in.optStr(), optInstant(in), in.i32());
    }

    /** Writes a list with a per-item encoder. */
    static <T> Wire.Out list(Wire.Out w, java.util.List<T> items, java.util.function.BiConsumer<Wire.Out, T> each) {
        w.i32(items.size());
        items.forEach(i -> each.accept(w, i));
        return w;
    }

    interface Reader<T> {
        T read(Wire.In in) throws AttachProtocolException;
    }

    static <T> java.util.List<T> list(Wire.In in, Reader<T> each) throws AttachProtocolException {
        int n = in.i32();
        if (n < 0 || n > Wire.MAX_ITEMS) {
            throw new AttachProtocolException("list of " + n + " items");
        }
        java.util.List<T> items = new java.util.ArrayList<>(Math.min(n, 64));
        for (int i = 0; i < n; i++) {
            items.add(each.read(in));
        }
        return java.util.List.copyOf(items);
    }

    /**
     * Runs the decoders once on made-up records, so the classes on a backup's takeover path are
     * loaded while it waits rather than after its primary died.
     */
    static void warmUp() {
        ProcessHandle h = new ProcessHandle("WARM", 0, 1, 1);
        Termination t = new Termination(h, ProcessName.of("$WARM"), "warm", TerminationCause.SIGNALLED, 5, -1, 9, h,
                "warm", Instant.now());
        try {
            for (int i = 0; i < 50; i++) {
                takeover(new Wire.In(java.nio.ByteBuffer.wrap(takeover(new Wire.Out(),
                        new Takeover(TakeoverCause.PRIMARY_ABENDED, h, t, 2)).toBytes())));
                systemMessage(new Wire.In(java.nio.ByteBuffer.wrap(systemMessage(new Wire.Out(),
                        new SystemMessage.ProcessDeletion(t)).toBytes())));
            }
        } catch (AttachProtocolException e) {
            throw new IllegalStateException("the codec cannot read what it wrote", e);
        }
    }
}
