package org.openpair.guardian;


/**
 * A system message on a process's $RECEIVE. The number is the one NonStop uses.
 */
public sealed interface SystemMessage {

    /** The message number: -101, -2, -3, -103 or -104. */
    int number();

    /**
     * -101 process deletion: a process this one monitors (its pair partner: each member of a
     * pair is the other's parent) has died.
     */
    record ProcessDeletion(Termination termination) implements SystemMessage {
        @Override
        public int number() {
            return -101;
        }
    }

    /** -2 CPU down: the CPU of this process's partner failed; {@code termination} is the partner's. */
    record CpuDown(int cpu, Termination termination) implements SystemMessage {
        @Override
        public int number() {
            return -2;
        }
    }

    /** -3 CPU up: a CPU joined the node. */
    record CpuUp(int cpu) implements SystemMessage {
        @Override
        public int number() {
            return -3;
        }
    }

    /**
     * -103 open: a requester opened this process. Delivered only to a server that asked for
     * open and close messages when it opened $RECEIVE.
     */
    record ProcessOpen(ProcessHandle opener, long openId, int syncDepth) implements SystemMessage {
        @Override
        public int number() {
            return -103;
        }
    }

    /** -104 close: a requester closed its open of this process (same condition as -103). */
    record ProcessClose(ProcessHandle opener, long openId) implements SystemMessage {
        @Override
        public int number() {
            return -104;
        }
    }
}
