package org.openpair.emulator.attach;

import java.time.Duration;

import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;

/**
 * Programs for the attach tests. They run in a JVM of their own, so they report through their
 * log (their stdout) as {@code REPORT key=value} lines, which {@link Reports} reads.
 */
public final class AttachPrograms {
    private AttachPrograms() {
    }

    static void report(ProcessContext c, String key, Object value) {
        c.out().println("REPORT " + key + "=" + value);
        c.out().flush();
    }

    /**
     * Makes CPU round trips on a worker thread while the main thread interrupts it again and
     * again, as a program's own executor shutdown or a stop may: the calls go on, the process
     * lives. Reports how many calls completed and how many saw their interrupt kept. Arg: calls.
     */
    public static final class InterruptedCalls implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws Exception {
            int calls = Integer.parseInt(c.args().get(0));
            int[] kept = {0};
            int[] done = {0};
            Thread worker = new Thread(() -> {
                for (int i = 0; i < calls; i++) {
                    c.guardian().processes();
                    if (Thread.interrupted()) {
                        kept[0]++;
                    }
                    done[0]++;
                }
            }, "worker");
            worker.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (worker.isAlive() && System.nanoTime() < deadline) {
                worker.interrupt();
                Thread.sleep(0, 200_000);
            }
            worker.join(Duration.ofSeconds(5).toMillis());
            report(c, "done", done[0]);
            report(c, "keptInterrupts", kept[0] > 0);
        }
    }

    /**
     * Arms its loop timer, then stops reading its attach socket (a JVM that cannot run its
     * reader thread) and spins: the SIGTIMEOUT the CPU routes to it is never taken.
     */
    public static final class Wedged implements GuardianProgram {
        @Override
        public void run(ProcessContext c) {
            c.setLoopTimer(20);
            // The reader stops reading after the next frame, this call's answer.
            AttachMain.current.deafAfterNextFrame = true;
            c.isStopRequested();
            report(c, "wedged", true);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long x = 0;
            while (System.nanoTime() < deadline) {
                x += System.nanoTime() % 7;
            }
            report(c, "survived", x);
        }
    }

    /** Reports what it knows of itself, then waits to be stopped. */
    public static final class Identity implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws Exception {
            report(c, "self", c.self());
            report(c, "name", c.name().map(Object::toString).orElse("-"));
            report(c, "args", String.join(",", c.args()));
            report(c, "env", c.env().getOrDefault("GREETING", "-"));
            report(c, "envSize", c.env().size());
            report(c, "role", c.role());
            report(c, "node", c.guardian().nodeName());
            report(c, "stop", c.isStopRequested());
            // A Guardian procedure the CPU answers over the socket: the process finds itself in the table.
            report(c, "listed", c.guardian().processes().stream().anyMatch(p -> p.handle().equals(c.self())));
            while (!c.isStopRequested()) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    report(c, "interrupted", true);
                }
            }
            report(c, "stopped", true);
        }
    }

    /** Abends with the reason in its first argument. */
    public static final class Abends implements GuardianProgram {
        @Override
        public void run(ProcessContext c) {
            c.abend(c.args().get(0));
        }
    }

    /** Throws. */
    public static final class Throws implements GuardianProgram {
        @Override
        public void run(ProcessContext c) {
            throw new IllegalStateException("thrown on purpose");
        }
    }

    /** Returns at once. */
    public static final class Returns implements GuardianProgram {
        @Override
        public void run(ProcessContext c) {
            report(c, "ran", true);
        }
    }

    /** Sleeps until killed: a process for the death tests. */
    public static final class Sleeps implements GuardianProgram {
        @Override
        public void run(ProcessContext c) throws InterruptedException {
            report(c, "up", true);
            Thread.sleep(Duration.ofMinutes(10).toMillis());
        }
    }
}
