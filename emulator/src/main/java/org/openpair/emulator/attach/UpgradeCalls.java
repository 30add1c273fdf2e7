package org.openpair.emulator.attach;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.openpair.emulator.procedures.NodeGuardian;
import org.openpair.emulator.procedures.PairUpgrade;
import org.openpair.emulator.threads.SystemThreads;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/** The {@code UPGRADE} call of a guest: {@code guardian upgrade}, run by the CPU that serves it. */
final class UpgradeCalls {
    private UpgradeCalls() {
    }

    /**
     * Runs the upgrade on a thread of its own and waits for it. A command that goes away, or is
     * interrupted, interrupts only this wait: the upgrade ends its step, and the rest, here.
     */
    static List<PairUpgrade.Step> run(NodeGuardian node, int cpu, AttachCodecs.Upgrade u) {
        CompletableFuture<List<PairUpgrade.Step>> done = new CompletableFuture<>();
        SystemThreads.daemon(() -> {
            try {
                done.complete(node.upgradePair(u.name(), u.classPath(), step -> { }));
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        }, "upgrade of " + u.name()).start();
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "the command stopped waiting; the upgrade of "
                    + u.name() + " goes on in CPU " + cpu + " ('guardian events' shows its replacements)");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GuardianException g) {
                throw g;
            }
            throw new GuardianException(GuardianError.INVALID_OPERATION, "the upgrade of " + u.name() + " failed: "
                    + e.getCause());
        }
    }
}
