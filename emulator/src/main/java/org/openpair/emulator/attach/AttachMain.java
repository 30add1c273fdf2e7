package org.openpair.emulator.attach;

import java.nio.file.Path;

import org.openpair.guardian.GuardianProgram;

/**
 * The main class of a Java OS process: {@code java -cp <class path> AttachMain <program class>
 * <args...>}, where the class path is the API, the emulator's classes, the program's own class
 * path and the CPU's (or the CPU's whole class path, for a program from the CPU's own classes:
 * see {@code process.ProgramCode}). The program's class is loaded by this JVM's class loader:
 * the JVM is the program's alone, so no loader of its own is needed. It attaches to the CPU named in its environment, runs the
 * program's {@link GuardianProgram#run} with a context whose calls go to that CPU, reports how
 * the run ended (returned, or abended with the reason) and exits. It touches neither Hazelcast
 * nor the native layer, so the JVM loads little beyond the API and this package.
 */
public final class AttachMain {

    /** This JVM's connection, for the protocol tests of this package (which break it on purpose). */
    static volatile AttachClient current;

    private AttachMain() {
    }

    /** Thrown by {@code abend}: an Error, so a program's catch-alls let it through. */
    static final class Abend extends Error {
        private static final long serialVersionUID = 1L;

        Abend(String reason) {
            super(reason, null, false, false);
        }
    }

    public static void main(String[] argv) {
        if (argv.length < 1) {
            fail("usage: AttachMain <GuardianProgram class> [args...] (started by an OpenPair CPU)");
        }
        String socket = System.getenv(AttachServer.ENV_SOCKET);
        String secret = System.getenv(AttachServer.ENV_SECRET);
        String process = System.getenv(AttachServer.ENV_PROCESS);
        if (socket == null || secret == null || process == null) {
            fail("not started by an OpenPair CPU: " + AttachServer.ENV_SOCKET + ", " + AttachServer.ENV_SECRET
                    + " and " + AttachServer.ENV_PROCESS + " must be set");
        }
        GuardianProgram program;
        try {
            program = Class.forName(argv[0]).asSubclass(GuardianProgram.class).getConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
            fail("cannot instantiate " + argv[0] + ": " + e);
            return;
        }
        AttachClient client;
        RemoteContext context;
        try {
            AttachClient.Connected c = AttachClient.connect(Path.of(socket), Long.parseLong(process), secret);
            client = c.client();
            current = client;
            context = new RemoteContext(client, c.welcome());
        } catch (Exception e) {
            fail("cannot attach to the CPU at " + socket + ": " + e);
            return;
        }
        Thread warm = new Thread(AttachCodecs::warmUp, "openpair-attach-warmup");
        warm.setDaemon(true);
        warm.start();
        Thread main = Thread.currentThread();
        client.onStop(() -> {
            context.stopRequested();
            main.interrupt();
        });
        client.onSignal(context::deliver);
        trapPosixSignals(context);
        boolean abended = false;
        String detail = "";
        try {
            program.run(context);
        } catch (Abend a) {
            abended = true;
            detail = "abend: " + a.getMessage();
        } catch (Throwable t) {
            abended = true;
            detail = t.toString();
            t.printStackTrace();
        }
        context.closeSignals();
        System.out.flush();
        client.ending();
        try {
            Thread.interrupted();
            client.call(AttachCalls.END, new AttachCodecs.End(abended, detail));
        } catch (RuntimeException e) {
            // The CPU is gone or has already ended us: nothing is left to tell.
        }
        System.exit(abended ? 5 : 0);
    }

    /** The POSIX signals whose arrival at this JVM becomes the signal of the same name in the process's model. */
    private static final org.openpair.guardian.Signal[] POSIX = {org.openpair.guardian.Signal.SIGHUP,
            org.openpair.guardian.Signal.SIGINT, org.openpair.guardian.Signal.SIGTERM,
            org.openpair.guardian.Signal.SIGUSR1, org.openpair.guardian.Signal.SIGUSR2,
            org.openpair.guardian.Signal.SIGALRM};

    /**
     * A {@code kill -TERM} (or HUP, INT, USR1, USR2, ALRM) sent to this JVM from outside is
     * delivered through the process's signal state, like the same signal sent by Guardian.kill:
     * caught, ignored, blocked or, by default, the end of the process recorded by its CPU. Fault
     * signals and SIGQUIT stay the JVM's (it needs them); one the JVM refuses to give up
     * (SIGUSR2 on some builds) keeps its JVM meaning, which the log says.
     */
    @SuppressWarnings("sunapi")
    private static void trapPosixSignals(RemoteContext context) {
        for (org.openpair.guardian.Signal s : POSIX) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(s.name().substring(3)), x -> context.deliver(s, null));
            } catch (IllegalArgumentException e) {
                System.out.println("openpair: " + s + " stays the JVM's: " + e.getMessage());
            }
        }
    }

    private static void fail(String message) {
        System.err.println("openpair attach: " + message);
        System.exit(64);
    }
}
