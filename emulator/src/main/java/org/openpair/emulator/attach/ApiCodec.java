package org.openpair.emulator.attach;

import java.time.Instant;

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

    private static Wire.Out optHandle(Wire.Out w, ProcessHandle h) {
        w.bool(h != null);
        return h == null ? w : handle(w, h);
    }

    private static ProcessHandle optHandle(Wire.In in) throws AttachProtocolException {
        return in.bool() ? handle(in) : null;
    }

    private static <E extends Enum<E>> E constant(Class<E> type, int ordinal) throws AttachProtocolException {
        E[] all = type.getEnumConstants();
        if (ordinal < 0 || ordinal >= all.length) {
            throw new AttachProtocolException(type.getSimpleName() + " " + ordinal);
        }
        return all[ordinal];
    }

    static Wire.Out termination(Wire.Out w, Termination t) {
        handle(w, t.process()).optStr(t.name() == null ? null : t.name().toString()).str(t.program())
                .i8(t.cause().ordinal()).i32(t.completionCode()).i32(t.exitStatus()).i32(t.signal());
        optHandle(w, t.killer()).str(t.detail());
        return w.i64(t.at().getEpochSecond()).i32(t.at().getNano());
    }

    static Termination termination(Wire.In in) throws AttachProtocolException {
        ProcessHandle process = handle(in);
        String name = in.optStr();
        String program = in.str();
        TerminationCause cause = constant(TerminationCause.class, in.i8());
        int completion = in.i32();
        int exit = in.i32();
        int signal = in.i32();
        ProcessHandle killer = optHandle(in);
        String detail = in.str();
        Instant at = Instant.ofEpochSecond(in.i64(), in.i32());
        return new Termination(process, name == null ? null : ProcessName.of(name), program, cause, completion, exit,
                signal, killer, detail, at);
    }

    private static Wire.Out optTermination(Wire.Out w, Termination t) {
        w.bool(t != null);
        return t == null ? w : termination(w, t);
    }

    private static Termination optTermination(Wire.In in) throws AttachProtocolException {
        return in.bool() ? termination(in) : null;
    }

    static Wire.Out takeover(Wire.Out w, Takeover t) {
        w.i8(t.cause().ordinal());
        handle(w, t.oldPrimary());
        optTermination(w, t.termination());
        return w.i64(t.epoch());
    }

    static Takeover takeover(Wire.In in) throws AttachProtocolException {
        TakeoverCause cause = constant(TakeoverCause.class, in.i8());
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
