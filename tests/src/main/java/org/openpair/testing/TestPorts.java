package org.openpair.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Blocks of consecutive TCP ports that are free on 127.0.0.1, so every test node gets ports of
 * its own and never joins another test's node or one the user runs on the default ports.
 *
 * <p>A port is free if a {@link ServerSocket} can bind it on loopback now; nothing reserves it
 * afterwards, so a block is only as good as the moment it was checked. Bases are drawn at random
 * from 20000-50000 (below the Linux ephemeral range, which starts at 32768 but is rarely crowded
 * on a test machine) to make two concurrent test JVMs unlikely to pick the same block.
 */
public final class TestPorts {
    /** Lowest base port drawn. */
    public static final int LOWEST = 20000;
    /** Highest base port drawn. */
    public static final int HIGHEST = 50000;
    private static final int ATTEMPTS = 200;

    private TestPorts() {
    }

    /**
     * The first port of {@code count} consecutive ports that are all free on 127.0.0.1 now.
     *
     * @throws IllegalArgumentException if {@code count} is not 1-1000
     * @throws IllegalStateException    if no free block was found in 200 random tries
     */
    public static int freeBlock(int count) {
        if (count < 1 || count > 1000) {
            throw new IllegalArgumentException("port block size must be 1-1000: " + count);
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int base = LOWEST + ThreadLocalRandom.current().nextInt(HIGHEST - LOWEST - count);
            if (allFree(base, count)) {
                return base;
            }
        }
        throw new IllegalStateException("no block of " + count + " free loopback ports found in "
                + ATTEMPTS + " tries between " + LOWEST + " and " + HIGHEST);
    }

    /** True if every port of {@code base .. base+count-1} can be bound on 127.0.0.1 now. */
    public static boolean allFree(int base, int count) {
        for (int port = base; port < base + count; port++) {
            if (!isFree(port)) {
                return false;
            }
        }
        return true;
    }

    /** True if {@code port} can be bound on 127.0.0.1 now. */
    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
