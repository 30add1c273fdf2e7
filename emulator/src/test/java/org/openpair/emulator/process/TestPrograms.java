package org.openpair.emulator.process;

import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;

/** Hosted programs that end in each way a process can end. */
public final class TestPrograms {
    private TestPrograms() {
    }

    /** Waits until stopped (interrupt), writing a line to its log first. */
    public static final class WaitsForStop implements GuardianProgram {
        @Override
        public void run(ProcessContext context) throws InterruptedException {
            context.out().println("running as " + context.self());
            while (!context.isStopRequested()) {
                Thread.sleep(60_000);
            }
        }
    }

    /** Returns at once: completion code 0. */
    public static final class Returns implements GuardianProgram {
        @Override
        public void run(ProcessContext context) {
            context.out().println("done");
        }
    }

    /** Throws: an abend, completion code 5. */
    public static final class Throws implements GuardianProgram {
        @Override
        public void run(ProcessContext context) {
            throw new IllegalStateException("boom from " + context.self().cpuPin());
        }
    }

    /** Calls abend. */
    public static final class Abends implements GuardianProgram {
        @Override
        public void run(ProcessContext context) {
            context.abend("requested by the program");
        }
    }

    /** Ignores interrupts: a stop must still remove it after the grace time. */
    public static final class IgnoresStop implements GuardianProgram {
        @Override
        public void run(ProcessContext context) {
            long end = System.nanoTime() + 20_000_000_000L;
            while (System.nanoTime() < end) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ignored) {
                    // deliberately ignored: this program misbehaves
                }
            }
        }
    }

    /** Not a GuardianProgram. */
    public static final class NotAProgram {
    }

    /** No public no-argument constructor. */
    public static final class NeedsArgs implements GuardianProgram {
        public NeedsArgs(String unused) {
        }

        @Override
        public void run(ProcessContext context) {
        }
    }
}
