package org.openpair.emulator.signals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.Signal;
import org.openpair.guardian.SignalAction;
import org.openpair.guardian.SignalHandler;
import org.openpair.guardian.SignalState;

/**
 * Writes one process's signal state into a {@link SignalState} buffer and reads it back,
 * refusing a buffer that was never filled, was filled by another process, or was changed since.
 * Layout (big-endian): magic, version, signal count, the filler's CPU, PIN and verifier, one
 * action code per signal (0 default, 1 ignore, 2 + n the process's n-th saved handler), the mask,
 * and a checksum keyed by a secret of the process, so that a buffer only the caller touched
 * cannot pass for one OpenPair wrote. The checksum guards against mistakes, not against a
 * program forging its own buffer: that program could simply call {@code sigaction}.
 *
 * <p>Handlers are saved by index because a function cannot live in bytes; the table of saved
 * handlers belongs to the process and only grows (a program has few distinct handlers), up to
 * {@link #MAX_HANDLERS}.
 */
final class SignalStateCodec {
    static final int MAGIC = 0x4F505347; // "OPSG"
    static final short VERSION = 1;
    static final int MAX_HANDLERS = 4096;
    private static final Signal[] SIGNALS = Signal.values();
    static final int LENGTH = 4 + 2 + 2 + 4 + 4 + 8 + 4 * SIGNALS.length + 8 + 8;

    static {
        if (LENGTH > SignalState.SIZE) {
            throw new AssertionError("SignalState.SIZE " + SignalState.SIZE + " < " + LENGTH);
        }
    }

    private final ProcessHandle owner;
    private final long key;
    private final List<SignalHandler> handlers = new ArrayList<>();
    private final Map<SignalHandler, Integer> indexes = new IdentityHashMap<>();

    SignalStateCodec(ProcessHandle owner, long key) {
        this.owner = owner;
        this.key = key;
    }

    /** A decoded buffer: an action per signal (by ordinal) and the mask. */
    record Saved(SignalAction[] actions, long mask) {
    }

    /** Checks the buffer can be written to; nothing is written when it cannot. */
    static void checkWritable(SignalState buffer) {
        if (buffer == null) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "no signal-state buffer given (EFAULT)");
        }
        if (buffer.memory().length < LENGTH) {
            throw new GuardianException(GuardianError.BOUNDS, "the signal-state buffer holds " + buffer.memory().length
                    + " bytes; " + LENGTH + " are needed (ERANGE)");
        }
    }

    /** Writes {@code actions} and {@code mask}; call with the state's lock held. */
    void write(SignalState buffer, SignalAction[] actions, long mask) {
        checkWritable(buffer);
        int[] codes = new int[SIGNALS.length];
        for (int i = 0; i < SIGNALS.length; i++) {
            codes[i] = code(actions[i]);
        }
        ByteBuffer b = ByteBuffer.wrap(buffer.memory());
        b.putInt(MAGIC).putShort(VERSION).putShort((short) SIGNALS.length)
                .putInt(owner.cpu()).putInt(owner.pin()).putLong(owner.verifier());
        for (int c : codes) {
            b.putInt(c);
        }
        b.putLong(mask);
        b.putLong(checksum(buffer.memory(), b.position()));
    }

    private int code(SignalAction action) {
        if (action instanceof SignalAction.Catch c) {
            Integer index = indexes.get(c.handler());
            if (index == null) {
                if (handlers.size() >= MAX_HANDLERS) {
                    throw new GuardianException(GuardianError.NO_ROOM, "the process has saved " + MAX_HANDLERS
                            + " distinct signal handlers; no room for another");
                }
                index = handlers.size();
                handlers.add(c.handler());
                indexes.put(c.handler(), index);
            }
            return 2 + index;
        }
        return action instanceof SignalAction.Ignore ? 1 : 0;
    }

    /** Reads a buffer back, or refuses it with 2 (EINVAL) or 22 (ERANGE) saying why. */
    Saved read(SignalState buffer) {
        if (buffer == null) {
            throw einval("no signal-state buffer given");
        }
        byte[] m = buffer.memory();
        if (m.length < LENGTH) {
            throw new GuardianException(GuardianError.BOUNDS, "the signal-state buffer holds " + m.length
                    + " bytes; " + LENGTH + " are needed (ERANGE)");
        }
        ByteBuffer b = ByteBuffer.wrap(m);
        int magic = b.getInt();
        if (magic == 0) {
            throw einval("the signal-state buffer was never filled by SIGACTION_SUPPLANT_");
        }
        if (magic != MAGIC || b.getShort() != VERSION || b.getShort() != SIGNALS.length) {
            throw einval("the signal-state buffer is corrupt: its header is not one SIGACTION_SUPPLANT_ writes");
        }
        int cpu = b.getInt();
        int pin = b.getInt();
        long verifier = b.getLong();
        if (cpu != owner.cpu() || pin != owner.pin() || verifier != owner.verifier()) {
            throw einval("the signal-state buffer was filled by another process (" + cpu + "," + pin + ":" + verifier
                    + "), not by " + owner.cpuPin());
        }
        int[] codes = new int[SIGNALS.length];
        for (int i = 0; i < codes.length; i++) {
            codes[i] = b.getInt();
        }
        long mask = b.getLong();
        int end = b.position();
        if (b.getLong() != checksum(m, end)) {
            throw einval("the signal-state buffer is corrupt: it changed since SIGACTION_SUPPLANT_ filled it");
        }
        SignalAction[] actions = new SignalAction[SIGNALS.length];
        for (int i = 0; i < codes.length; i++) {
            int c = codes[i];
            if (c < 0 || c - 2 >= handlers.size() || (!SIGNALS[i].isCatchable() && c != 0)) {
                throw einval("the signal-state buffer is corrupt: action code " + c + " for " + SIGNALS[i]);
            }
            actions[i] = c == 0 ? SignalAction.defaultAction() : c == 1 ? SignalAction.ignore()
                    : SignalAction.handler(handlers.get(c - 2));
        }
        if ((mask & ~SignalSets.CATCHABLE) != 0) {
            throw einval("the signal-state buffer is corrupt: its mask blocks an unblockable signal");
        }
        return new Saved(actions, mask);
    }

    /** FNV-1a over the key and the bytes, then a final mix: cheap, and keyed per process. */
    private long checksum(byte[] m, int length) {
        long h = 0xcbf29ce484222325L ^ key;
        for (int i = 0; i < length; i++) {
            h ^= m[i] & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }

    private static GuardianException einval(String message) {
        return new GuardianException(GuardianError.INVALID_OPERATION, message + " (EINVAL)");
    }
}
