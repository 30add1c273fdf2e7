package org.openpair.emulator.codec;

/**
 * Bytes that are not what the codec wrote (cut short, an unknown type id, a length past the end,
 * a value its record refuses), or a value the codec cannot write. The message names the type
 * and what was wrong: a peer that sends such bytes is broken or hostile, and nothing is guessed
 * in its place.
 */
public final class CodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message, null, false, false);
    }
}
