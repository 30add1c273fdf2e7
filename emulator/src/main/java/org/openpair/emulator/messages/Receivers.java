package org.openpair.emulator.messages;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.openpair.guardian.ProcessHandle;

/**
 * The $RECEIVE of every live named process of one CPU, by verifier: what the CPU's
 * {@link RequestRouter} delivers to. The process table adds a process's queue when it
 * publishes the process and removes it when the process ends, so a request is routed within
 * this package, on the link's thread, without a call back into the process table.
 */
public final class Receivers {
    private final Map<Long, ReceiveQueue> byVerifier = new ConcurrentHashMap<>();

    public void add(ProcessHandle process, ReceiveQueue queue) {
        byVerifier.put(process.verifier(), queue);
    }

    public void remove(ProcessHandle process, ReceiveQueue queue) {
        byVerifier.remove(process.verifier(), queue);
    }

    /** The queue of the process with this PIN and verifier, or null: a newer process reusing the PIN never matches. */
    ReceiveQueue find(int pin, long verifier) {
        ReceiveQueue q = byVerifier.get(verifier);
        return q != null && q.self().pin() == pin ? q : null;
    }
}
