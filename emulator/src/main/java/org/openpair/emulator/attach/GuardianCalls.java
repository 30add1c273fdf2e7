package org.openpair.emulator.attach;

import java.util.List;
import java.util.Map;

import org.openpair.emulator.attach.AttachFrames.GuardianOp;
import org.openpair.emulator.codec.GuardianCodecs;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Signal;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.StopScope;

/**
 * The CPU's side of an attached process's {@link Guardian} procedures: a {@link AttachFrames.Op#GUARDIAN}
 * call is decoded here on the connection's reader (a malformed one is a protocol error, which
 * ends the connection) into a call that then runs on the session's pool against the Guardian a
 * hosted process of the same handle gets. Names, programs and spawn options travel as the
 * child's raw fields and are parsed inside that call, so a bad value is the same
 * GuardianException (error number and message) a hosted caller would get, not a protocol error.
 * The child's side is {@link RemoteContext}'s Guardian.
 */
final class GuardianCalls {
    private GuardianCalls() {
    }

    /** One decoded procedure call, ready to run. */
    interface Call {
        Wire.Out run(Guardian g);
    }

    static Call decode(Wire.In in) throws AttachProtocolException {
        int op = in.i8();
        Call call = switch (op) {
            case GuardianOp.SPAWN -> spawn(in);
            case GuardianOp.STOP -> {
                ProcessHandle h = ApiCodec.optHandle(in);
                yield g -> {
                    g.processStop(h);
                    return new Wire.Out();
                };
            }
            case GuardianOp.STOP_NAME -> {
                String n = in.optStr();
                yield g -> {
                    g.processStop(name(n));
                    return new Wire.Out();
                };
            }
            case GuardianOp.STOP_SCOPE -> {
                ProcessHandle h = ApiCodec.optHandle(in);
                StopScope scope = in.optConstant(GuardianCodecs.STOP_SCOPE);
                yield g -> {
                    g.processStop(h, scope);
                    return new Wire.Out();
                };
            }
            case GuardianOp.PAIR_INFO_NAME -> {
                String n = in.optStr();
                yield g -> ApiCodec.pairInfo(new Wire.Out(), g.processGetPairInfo(name(n)));
            }
            case GuardianOp.PAIR_INFO -> {
                ProcessHandle h = ApiCodec.optHandle(in);
                yield g -> ApiCodec.pairInfo(new Wire.Out(), g.processGetPairInfo(h));
            }
            case GuardianOp.HANDLE_COMPARE -> {
                ProcessHandle a = ApiCodec.optHandle(in);
                ProcessHandle b = ApiCodec.optHandle(in);
                yield g -> new Wire.Out().i32(g.processHandleCompare(a, b));
            }
            case GuardianOp.SWITCH_PAIR -> {
                String n = in.optStr();
                yield g -> {
                    g.switchPair(name(n));
                    return new Wire.Out();
                };
            }
            case GuardianOp.LOOKUP -> {
                String n = in.optStr();
                yield g -> optProcess(g.lookup(name(n)));
            }
            case GuardianOp.PROCESS -> {
                ProcessHandle h = ApiCodec.optHandle(in);
                yield g -> optProcess(g.process(h));
            }
            case GuardianOp.PROCESSES -> g -> ApiCodec.list(new Wire.Out(), g.processes(), ApiCodec::processInfo);
            case GuardianOp.CPUS -> g -> ApiCodec.list(new Wire.Out(), g.cpus(), ApiCodec::cpuInfo);
            case GuardianOp.TERMINATION -> {
                ProcessHandle h = ApiCodec.optHandle(in);
                yield g -> ApiCodec.optTermination(new Wire.Out(), g.termination(h).orElse(null));
            }
            case GuardianOp.TERMINATIONS -> g -> ApiCodec.list(new Wire.Out(), g.terminations(), ApiCodec::termination);
            case GuardianOp.KILL -> {
                ProcessHandle h = ApiCodec.optHandle(in);
                Signal s = in.optConstant(GuardianCodecs.SIGNAL);
                yield g -> {
                    g.kill(h, s);
                    return new Wire.Out();
                };
            }
            case GuardianOp.KILL_NAME -> {
                String n = in.optStr();
                Signal s = in.optConstant(GuardianCodecs.SIGNAL);
                yield g -> {
                    g.kill(name(n), s);
                    return new Wire.Out();
                };
            }
            case GuardianOp.SEMAPHORES -> g -> ApiCodec.list(new Wire.Out(), g.semaphores(), ApiCodec::semaphoreInfo);
            default -> throw new AttachProtocolException("unknown Guardian procedure " + op);
        };
        in.end();
        return call;
    }

    private static Wire.Out optProcess(java.util.Optional<org.openpair.guardian.ProcessInfo> p) {
        Wire.Out w = new Wire.Out().bool(p.isPresent());
        return p.isPresent() ? ApiCodec.processInfo(w, p.get()) : w;
    }

    /** Parsed in the call: an illegal name is the caller's error 13, as for a hosted caller. */
    private static ProcessName name(String n) {
        return n == null ? null : ProcessName.of(n);
    }

    static Wire.Out spawnRequest(Wire.Out w, SpawnRequest r) {
        ApiCodec.program(w, r.program());
        return ApiCodec.optName(w, r.name()).i32(r.cpu()).i32(r.priority()).strs(r.args()).map(r.env())
                .bool(r.isMyBackup());
    }

    private static Call spawn(Wire.In in) throws AttachProtocolException {
        ApiCodec.ProgramFields program = ApiCodec.programFields(in);
        String n = in.optStr();
        int cpu = in.i32();
        int priority = in.i32();
        List<String> args = in.strs();
        Map<String, String> env = in.map();
        boolean myBackup = in.bool();
        return g -> {
            // Built with the public builder, so every check a hosted caller meets applies here too.
            SpawnRequest.Builder b = SpawnRequest.of(program.toProgram()).cpu(cpu).priority(priority).args(args)
                    .name(name(n));
            env.forEach(b::env);
            if (myBackup) {
                b.myBackup();
            }
            return ApiCodec.handle(new Wire.Out(), g.processSpawn(b.build()));
        };
    }
}
