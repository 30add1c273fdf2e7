package org.openpair.emulator.link;

import java.util.ArrayList;
import java.util.List;

/**
 * What a link test opened (servers, clients, pools), closed after the test in the reverse order
 * of opening, so a client goes before the server it is connected to. A test holds one in an
 * {@code @AutoClose} field.
 */
final class Opened implements AutoCloseable {
    private final List<AutoCloseable> opened = new ArrayList<>();

    /** Closes {@code c} after the test; returns it. */
    <T extends AutoCloseable> T add(T c) {
        opened.add(c);
        return c;
    }

    @Override
    public void close() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        opened.clear();
    }
}
