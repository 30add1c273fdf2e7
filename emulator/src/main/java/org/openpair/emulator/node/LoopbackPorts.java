package org.openpair.emulator.node;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A block of consecutive loopback ports that are free now, picked at random in 20000-50000,
 * so a private node (the demo's, a benchmark's, a test's) never meets a node the user runs
 * (5801-5816 by default) or another private node. Free "now" only: the caller retries if a
 * port is taken meanwhile.
 */
public final class LoopbackPorts {
    static final int LOW = 20000;
    static final int HIGH = 50000;

    private LoopbackPorts() {
    }

    /** The first port of {@code count} consecutive ports that could be bound on 127.0.0.1. */
    public static int block(int count) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = LOW + ThreadLocalRandom.current().nextInt(HIGH - LOW - count);
            if (allFree(base, count)) {
                return base;
            }
        }
        throw new IllegalStateException("no block of " + count + " free loopback ports found in " + LOW + "-" + HIGH);
    }

    private static boolean allFree(int base, int count) {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int port = base; port < base + count; port++) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new java.net.InetSocketAddress(loopback, port), 1);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
