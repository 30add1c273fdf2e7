package org.openpair.emulator.attach;

import org.openpair.guardian.ProcessContext;

/**
 * The CPU's side of the calls about the process and its pair: its role, a stop request, a
 * backup, checkpoints and the checkpointed state, the takeover a backup waits for, system
 * messages and the loop timer. Each runs against the process's own context on this CPU, so an
 * attached process gets what a hosted one would.
 */
final class ProcessCalls {
    private ProcessCalls() {
    }

    static void register(AttachSession session, ProcessContext c) {
        session.inline(AttachCalls.ROLE, none -> c.role());
        session.inline(AttachCalls.STOP_REQUESTED, none -> c.isStopRequested());
        session.waiting(AttachCalls.CREATE_BACKUP, b -> c.createBackup(b.cpu(), b.policy()));
        session.waiting(AttachCalls.CHECKPOINT, c::checkpoint);
        session.later(AttachCalls.CHECKPOINT_ASYNC, c::checkpointAsync);
        session.inline(AttachCalls.STATE_GET, key -> c.state().get(key));
        session.waiting(AttachCalls.STATE_PUT, kv -> c.state().put(kv.key(), kv.value()));
        session.waiting(AttachCalls.STATE_REMOVE, key -> c.state().remove(key));
        session.inline(AttachCalls.STATE_SNAPSHOT, none -> c.state().snapshot());
        // Each checkpoint it applies goes to the child as an APPLY frame of this very call.
        session.on(AttachCalls.AWAIT_TAKEOVER, (id, none) -> session.waiting(id, AttachCalls.AWAIT_TAKEOVER.result(),
                () -> c.awaitTakeover(record -> session.apply(id, record))));
        session.waiting(AttachCalls.READ_SYSTEM_MESSAGE, c::readSystemMessage);
        session.inline(AttachCalls.SET_LOOP_TIMER, c::setLoopTimer);
    }
}
