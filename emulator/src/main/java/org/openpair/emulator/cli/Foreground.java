package org.openpair.emulator.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Keeps a CPU command in the foreground until SIGINT or SIGTERM, then runs the orderly
 * shutdown once, so the node's tables say the CPU's processes ended before it leaves.
 */
final class Foreground {
    private Foreground() {
    }

    static void runUntilSignalled(Runnable shutdown) {
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                shutdown.run();
            } finally {
                done.countDown();
            }
        }, "guardian-shutdown"));
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
