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

    /** Ships a checkpoint to the child's awaitTakeover, on that call's own thread. */
    interface Applier {
        void apply(long call, byte[] record);
    }

    static void register(CallTable calls, ProcessContext c, Applier applier) {
        calls.inline(AttachCalls.ROLE, none -> c.role());
        calls.inline(AttachCalls.STOP_REQUESTED, none -> c.isStopRequested());
        calls.waiting(AttachCalls.CREATE_BACKUP, b -> c.createBackup(b.cpu(), b.policy()));
        calls.waiting(AttachCalls.CHECKPOINT, c::checkpoint);
        calls.later(AttachCalls.CHECKPOINT_ASYNC, c::checkpointAsync);
        calls.inline(AttachCalls.STATE_GET, key -> c.state().get(key));
        calls.waiting(AttachCalls.STATE_PUT, kv -> c.state().put(kv.key(), kv.value()));
        calls.waiting(AttachCalls.STATE_REMOVE, key -> c.state().remove(key));
        calls.inline(AttachCalls.STATE_SNAPSHOT, none -> c.state().snapshot());
        // Each checkpoint it applies goes to the child as an APPLY frame of this very call.
        calls.on(AttachCalls.AWAIT_TAKEOVER, (id, none) -> calls.waiting(id, AttachCalls.AWAIT_TAKEOVER.result(),
                () -> c.awaitTakeover(record -> applier.apply(id, record))));
        calls.waiting(AttachCalls.READ_SYSTEM_MESSAGE, c::readSystemMessage);
        calls.inline(AttachCalls.SET_LOOP_TIMER, c::setLoopTimer);
    }
}
