package org.openpair.emulator.attach;

import org.openpair.emulator.attach.AttachCodecs.Nothing;
import org.openpair.guardian.Guardian;

/**
 * The CPU's side of an attached process's {@link Guardian} procedures: each
 * {@link AttachFrames.Op#GUARDIAN} call runs on the session's pool against the Guardian a hosted
 * process of the same handle gets, so the results and the Guardian errors (number and message)
 * are the ones a hosted caller would see. Nulls travel as such, and the hosted procedure decides
 * what a null means. The child's side is {@link RemoteContext}'s Guardian.
 */
final class GuardianCalls {
    private GuardianCalls() {
    }

    static void register(CallTable calls, Guardian g) {
        calls.waiting(AttachCalls.SPAWN, g::processSpawn);
        calls.waiting(AttachCalls.STOP, h -> {
            g.processStop(h.orElse(null));
            return Nothing.VALUE;
        });
        calls.waiting(AttachCalls.STOP_NAME, n -> {
            g.processStop(n.orElse(null));
            return Nothing.VALUE;
        });
        calls.waiting(AttachCalls.STOP_SCOPE, s -> {
            g.processStop(s.process(), s.scope());
            return Nothing.VALUE;
        });
        calls.waiting(AttachCalls.PAIR_INFO_NAME, n -> g.processGetPairInfo(n.orElse(null)));
        calls.waiting(AttachCalls.PAIR_INFO, h -> g.processGetPairInfo(h.orElse(null)));
        calls.waiting(AttachCalls.HANDLE_COMPARE, c -> g.processHandleCompare(c.a(), c.b()));
        calls.waiting(AttachCalls.SWITCH_PAIR, n -> {
            g.switchPair(n.orElse(null));
            return Nothing.VALUE;
        });
        calls.waiting(AttachCalls.LOOKUP, n -> g.lookup(n.orElse(null)));
        calls.waiting(AttachCalls.PROCESS, h -> g.process(h.orElse(null)));
        calls.waiting(AttachCalls.PROCESSES, none -> g.processes());
        calls.waiting(AttachCalls.CPUS, none -> g.cpus());
        calls.waiting(AttachCalls.TERMINATION, h -> g.termination(h.orElse(null)));
        calls.waiting(AttachCalls.TERMINATIONS, none -> g.terminations());
        calls.waiting(AttachCalls.KILL, k -> {
            g.kill(k.process(), k.signal());
            return Nothing.VALUE;
        });
        calls.waiting(AttachCalls.KILL_NAME, k -> {
            g.kill(k.name(), k.signal());
            return Nothing.VALUE;
        });
        calls.waiting(AttachCalls.SEMAPHORES, none -> g.semaphores());
    }
}
