package org.openpair.emulator.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A block of consecutive loopback ports that are free now, picked at random from 20000 up to
 * the kernel's ephemeral range, so a private node (the demo's, a benchmark's, a test's) never
 * meets a node the user runs (5801-5816 by default) or another private node.
 *
 * <p>Below the ephemeral range, because free "now" is all a check can say, and the kernel
 * hands ephemeral ports to every outgoing connection and every listener bound to port 0: the
 * CPUs' own links and engine connections, opened while the next CPU of the same node starts,
 * took its port between the check and the bind (seen: "address 127.0.0.1:36225 is already in
 * use" for the third CPU of a test node, its first two CPUs linked to each other meanwhile).
 */
public final class LoopbackPorts {
    public static final int LOW = 20000;
    /** Where the draw stops when the kernel does not say where its ephemeral range starts. */
    static final int DEFAULT_HIGH = 32768;
    private static final java.nio.file.Path EPHEMERAL_RANGE = java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    private LoopbackPorts() {
    }

    /** The first port above every block this class draws: the start of the ephemeral range, at most 50000. */
    public static int high() {
        return Math.min(50000, Math.max(LOW + 1000, ephemeralStart()));
    }

    static int ephemeralStart() {
        try {
            String[] range = sysctl(EPHEMERAL_RANGE).trim().split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException e) {
            return DEFAULT_HIGH;
        }
    }

    /**
     * A /proc/sys file's text, read as one stream from offset 0. Not {@code Files.readString}:
     * the file says its size is 0, and that read got "3" of "32768 60999" here (JDK 17, Linux
     * 6.18), so every private node drew its ports from 20000-21000 and the test forks' halves
     * of that collided.
     */
    static String sysctl(java.nio.file.Path file) throws IOException {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    /**
     * The first port of {@code count} consecutive ports that could be bound on 127.0.0.1, drawn
     * from this JVM's {@linkplain #SLICE slice} of the range.
     */
    public static int block(int count) {
        int[] range = slice(System.getProperty(SLICE), LOW, high());
        if (range[1] - range[0] <= count) {
            throw new IllegalStateException("the ports " + range[0] + "-" + range[1] + " (" + SLICE + "="
                    + System.getProperty(SLICE) + ") hold no block of " + count);
        }
        return block(count, range[0], range[1], DRAWN);
    }

    /**
     * A free block of {@code count} in {@code [low, high)} that overlaps none of the last
     * {@value #REMEMBERED} blocks drawn ({@code drawn}: {base, count}, oldest first; this JVM's
     * for {@link #block(int)}), which may not be bound yet, and is added to them. A test node
     * draws its CPUs' ports and then its metrics ports; the second draw once fell on the first,
     * CPU 0's metrics endpoint listened on CPU 1's engine port, and CPU 0's engine, joining
     * through that address, waited its 300 s for an answer.
     */
    static int block(int count, int low, int high, java.util.ArrayDeque<int[]> drawn) {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = low + ThreadLocalRandom.current().nextInt(high - low - count);
            synchronized (drawn) {
                if (meets(drawn, base, count) || !allFree(base, count)) {
                    continue;
                }
                drawn.addLast(new int[] {base, count});
                if (drawn.size() > REMEMBERED) {
                    drawn.removeFirst();
                }
                return base;
            }
        }
        throw new IllegalStateException("no block of " + count + " free loopback ports found in " + low + "-" + high);
    }

    /** How many of this JVM's latest blocks a new one keeps clear of: far more than start at once. */
    static final int REMEMBERED = 64;
    /** This JVM's latest blocks, {base, count}, oldest first. Guarded by itself. */
    private static final java.util.ArrayDeque<int[]> DRAWN = new java.util.ArrayDeque<>();

    private static boolean meets(java.util.ArrayDeque<int[]> drawn, int base, int count) {
        for (int[] b : drawn) {
            if (base < b[0] + b[1] && b[0] < base + count) {
                return true;
            }
        }
        return false;
    }

    /**
     * The system property that gives this JVM a part of its own of the range, {@code i/n} (the
     * i-th of n, from 1): JVMs that draw at the same time, such as the test suite's parallel
     * forks, then never draw overlapping blocks. A check of "free now" cannot see a block
     * another JVM drew a moment ago and has not bound yet (a node binds its CPUs' ports one
     * after another, seconds apart).
     */
    public static final String SLICE = "openpair.ports.slice";

    /**
     * The part {@code spec} ({@code i/n}, or null for all) of {@code [low, high)}.
     *
     * @throws IllegalArgumentException if {@code spec} is not {@code i/n} with 1 ≤ i ≤ n
     */
    static int[] slice(String spec, int low, int high) {
        if (spec == null || spec.isBlank()) {
            return new int[] {low, high};
        }
        String[] parts = spec.trim().split("/");
        int i;
        int n;
        try {
            if (parts.length != 2) {
                throw new NumberFormatException();
            }
            i = Integer.parseInt(parts[0]);
            n = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SLICE + " must be i/n (the i-th of n parts, from 1): " + spec);
        }
        if (n < 1 || i < 1 || i > n) {
            throw new IllegalArgumentException(SLICE + " must be i/n with 1 <= i <= n: " + spec);
        }
        int width = (high - low) / n;
        return new int[] {low + (i - 1) * width, low + i * width};
    }

    /** True if every port of {@code base .. base+count-1} can be bound on 127.0.0.1 now. */
    public static boolean allFree(int base, int count) {
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
