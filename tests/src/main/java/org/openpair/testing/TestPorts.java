package org.openpair.testing;

import org.openpair.emulator.config.LoopbackPorts;

/**
 * Blocks of consecutive TCP ports that are free on 127.0.0.1, so every test node gets ports of
 * its own and never joins another test's node or one the user runs on the default ports. The
 * emulator's own {@link LoopbackPorts} draws them (at random, below the kernel's ephemeral
 * range, where no outgoing connection can take one between the check and the bind); a block is
 * only as good as the moment it was checked.
 */
public final class TestPorts {
    /** Lowest base port drawn. */
    public static final int LOWEST = LoopbackPorts.LOW;
    /** Every port of a block is below this: the start of the kernel's ephemeral range (at most 50000). */
    public static final int HIGHEST = LoopbackPorts.high();

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
        return LoopbackPorts.block(count);
    }

    /** True if every port of {@code base .. base+count-1} can be bound on 127.0.0.1 now. */
    public static boolean allFree(int base, int count) {
        return LoopbackPorts.allFree(base, count);
    }
}
