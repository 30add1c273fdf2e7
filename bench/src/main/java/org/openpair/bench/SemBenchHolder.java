package org.openpair.bench;

import java.nio.file.Path;

import org.openpair.emulator.os.SyncBaselines;
import org.openpair.emulator.sharedmemory.SharedSegment;

/**
 * The holder process of {@code guardian bench sem}'s recovery cases: takes one primitive, prints
 * HELD and waits to be killed with kill -9. Args: {@code shm FILE} (a shared segment of 64 data
 * bytes), {@code posix NAME} (a POSIX named semaphore), {@code sysv ID} (a System V semaphore,
 * taken with SEM_UNDO).
 */
public final class SemBenchHolder {
    private SemBenchHolder() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "shm" -> SharedSegment.open(Path.of(args[1]), 64).lock();
            case "posix" -> SyncBaselines.get().namedSemaphore(args[1], 1).acquire();
            case "sysv" -> SyncBaselines.get().undoSemaphore(Integer.parseInt(args[1]), true).acquire();
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("HELD");
        System.out.flush();
        Thread.sleep(600_000);
    }
}
