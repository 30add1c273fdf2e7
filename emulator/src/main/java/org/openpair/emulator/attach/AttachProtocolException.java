package org.openpair.emulator.attach;

/**
 * A peer on the attach socket broke the protocol: a bad version, an unknown frame or call, a
 * truncated payload, a frame over the size limit, a wrong secret, or a stall mid-frame. The
 * connection that did it is closed; nothing else is affected.
 */
final class AttachProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    AttachProtocolException(String message) {
        super(message);
    }
}
