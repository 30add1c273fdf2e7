package org.openpair.emulator.link;

import java.io.IOException;

/**
 * The peer broke the frame format or the order of frames. It closes that one connection and
 * is logged; an {@link IOException} so that it leaves the read path like any other failure.
 */
final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    ProtocolException(String message) {
        super(message);
    }
}
