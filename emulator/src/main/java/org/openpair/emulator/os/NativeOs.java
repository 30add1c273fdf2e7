package org.openpair.emulator.os;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import jnr.constants.platform.Errno;
import jnr.constants.platform.OpenFlags;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.SpawnFileAction;

/**
 * The single seam between the emulator and the operating system (Linux): it spawns, reaps and
 * signals OS processes through jnr-posix and turns -1/errno into typed results and
 * {@link NativeException}s, so no other package depends on jnr or on errno conventions.
 * Only specific pids are ever waited for, never -1, because the JDK reaps its own children.
 */
public final class NativeOs {

    public static final int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGUSR1 = 10, SIGUSR2 = 12,
            SIGTERM = 15, SIGCONT = 18, SIGSTOP = 19;

    private static final String[] SIGNAL_NAMES = {null,
        "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
        "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
        "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};

    private static final System.Logger LOG = System.getLogger(NativeOs.class.getName());
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    // setpriv sets PDEATHSIG and then execs; if the spawning thread ends before that, no signal comes.
    private static final long SETPRIV_EXEC_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final AtomicBoolean NO_SETPRIV_WARNED = new AtomicBoolean();
    private static volatile NativeOs instance;

    private final POSIX posix;
    private final Path setprivReal;  // null: not installed
    private final int oRdOnly = OpenFlags.O_RDONLY.intValue();
    private final int oAppendCreate = OpenFlags.O_WRONLY.intValue() | OpenFlags.O_CREAT.intValue()
            | OpenFlags.O_APPEND.intValue();
    private final int eintr = Errno.EINTR.intValue();
    private final int echild = Errno.ECHILD.intValue();
    private final int esrch = Errno.ESRCH.intValue();
    private final int eperm = Errno.EPERM.intValue();

    private NativeOs(POSIX posix) {
        this.posix = posix;
        Path real = null;
        try {
            if (Files.isRegularFile(SETPRIV) && Files.isExecutable(SETPRIV)) {
                real = SETPRIV.toRealPath();
            }
        } catch (IOException e) {
            real = null;
        }
        this.setprivReal = real;
    }

    /** The shared instance; throws IllegalStateException if native POSIX cannot be loaded. */
    public static NativeOs get() {
        NativeOs os = instance;
        if (os == null) {
            synchronized (NativeOs.class) {
                os = instance;
                if (os == null) {
                    instance = os = new NativeOs(loadPosix());
                }
            }
        }
        return os;
    }

    private static POSIX loadPosix() {
        POSIX posix;
        try {
            posix = POSIXFactory.getNativePOSIX();
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("native POSIX (jnr-posix) is not available: " + e, e);
        }
        if (posix == null || !posix.isNative()) {
            throw new IllegalStateException("native POSIX (jnr-posix) is not available on this platform");
        }
        return posix;
    }

    /** "SIGKILL" etc. for Linux signal numbers, "signal N" otherwise. */
    public static String signalName(int sig) {
        return sig > 0 && sig < SIGNAL_NAMES.length ? SIGNAL_NAMES[sig] : "signal " + sig;
    }

    /**
     * Finds a program like execvp does: a name containing '/' is taken as is, anything else is
     * looked up in each directory of {@code pathVariable} (null: this JVM's PATH).
     */
    public Path resolveExecutable(String nameOrPath, String pathVariable) throws NativeException {
        if (nameOrPath == null || nameOrPath.isEmpty()) {
            throw new NativeException(NativeException.Kind.NOT_FOUND, 0, "no program name given");
        }
        if (nameOrPath.indexOf('/') >= 0) {
            return checkExecutable(Path.of(nameOrPath).toAbsolutePath());
        }
        String path = pathVariable != null ? pathVariable : System.getenv("PATH");
        NativeException notExecutable = null;
        for (String dir : (path == null ? "" : path).split(":", -1)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, nameOrPath).toAbsolutePath();
            try {
                return checkExecutable(candidate);
            } catch (NativeException e) {
                // Like execvp: keep looking, but report "not executable" over "not found".
                if (e.kind() == NativeException.Kind.NOT_EXECUTABLE && notExecutable == null) {
                    notExecutable = e;
                }
            }
        }
        if (notExecutable != null) {
            throw notExecutable;
        }
        throw new NativeException(NativeException.Kind.NOT_FOUND, 0,
                "program '" + nameOrPath + "' not found on PATH " + path);
    }

    private static Path checkExecutable(Path file) throws NativeException {
        if (!Files.exists(file)) {
            throw new NativeException(NativeException.Kind.NOT_FOUND, 0, "no such file: " + file);
        }
        if (!Files.isRegularFile(file)) {
            throw new NativeException(NativeException.Kind.NOT_EXECUTABLE, 0, "not a regular file: " + file);
        }
        if (!Files.isExecutable(file)) {
            throw new NativeException(NativeException.Kind.NOT_EXECUTABLE, 0, "no execute permission: " + file);
        }
        return file;
    }

    /**
     * Starts {@code spec} and returns its pid, which the caller must eventually {@link #waitFor}.
     * The executable is checked first (NOT_FOUND / NOT_EXECUTABLE) so that a missing program fails
     * the same way with or without the setpriv wrapper. JVM descriptors (sockets, jars) are closed
     * in the child because the JDK does not open them close-on-exec; one opened concurrently by
     * another thread may still leak.
     */
    public long spawn(SpawnSpec spec) throws NativeException {
        Path exe = checkExecutable(spec.executable().toAbsolutePath());
        Path log = spec.logFile().toAbsolutePath();
        try {
            Files.createDirectories(log.getParent());
        } catch (IOException e) {
            throw new NativeException(NativeException.Kind.SPAWN_FAILED, 0,
                    "cannot create the directory of log file " + log + " for " + exe + ": " + e, e);
        }
        boolean viaSetpriv = spec.dieWithParent() && setprivReal != null;
        if (spec.dieWithParent() && setprivReal == null && NO_SETPRIV_WARNED.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, SETPRIV + " not found: OS processes will outlive the emulator if it dies");
        }
        List<String> argv = new ArrayList<>();
        if (viaSetpriv) {
            argv.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        }
        argv.add(exe.toString());
        argv.addAll(spec.args());
        List<String> envp = new ArrayList<>();
        for (Map.Entry<String, String> e : spec.environment().entrySet()) {
            envp.add(e.getKey() + "=" + e.getValue());
        }
        List<SpawnFileAction> actions = new ArrayList<>();
        for (int fd : inheritedDescriptors()) {
            actions.add(SpawnFileAction.close(fd));  // glibc ignores EBADF for ones closed meanwhile
        }
        actions.add(SpawnFileAction.open("/dev/null", 0, oRdOnly, 0));
        actions.add(SpawnFileAction.open(log.toString(), 1, oAppendCreate, 0644));
        actions.add(SpawnFileAction.dup(1, 2));

        // jnr-posix drops posix_spawnp's own error code and returns -1; errno is all that is left.
        posix.errno(0);
        long pid = posix.posix_spawnp(argv.get(0), actions, argv, envp);
        if (pid <= 0) {
            int errno = posix.errno();
            throw new NativeException(NativeException.Kind.SPAWN_FAILED, errno,
                    "cannot spawn " + exe + " (log " + log + "): " + describe(errno));
        }
        if (viaSetpriv) {
            awaitExecPastSetpriv(pid, exe);
        }
        return pid;
    }

    private static List<Integer> inheritedDescriptors() {
        List<Integer> fds = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : dir) {
                String name = p.getFileName().toString();
                if (name.chars().allMatch(Character::isDigit)) {
                    int fd = Integer.parseInt(name);
                    if (fd > 2) {
                        fds.add(fd);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "cannot list /proc/self/fd; the child inherits the JVM's descriptors", e);
        }
        return fds;
    }

    private void awaitExecPastSetpriv(long pid, Path exe) {
        try {
            if (exe.toRealPath().equals(setprivReal)) {
                return;
            }
        } catch (IOException e) {
            return;
        }
        Path exeLink = Path.of("/proc", Long.toString(pid), "exe");
        long deadline = System.nanoTime() + SETPRIV_EXEC_TIMEOUT_NANOS;
        while (System.nanoTime() - deadline < 0) {
            try {
                if (!Files.readSymbolicLink(exeLink).equals(setprivReal)) {
                    return;
                }
            } catch (IOException e) {
                return;  // already exited: nothing left to protect
            }
            LockSupport.parkNanos(20_000);
        }
        LOG.log(Level.WARNING, "process " + pid + " still in setpriv after 5 s; it may not die with its parent");
    }

    /**
     * Blocks (not interruptibly) until process {@code pid}, a child of this JVM, ends, and reaps it;
     * afterwards the pid may be reused, so do not signal it again.
     */
    public ExitStatus waitFor(long pid) throws NativeException {
        requireValidPid(pid);
        int[] status = new int[1];
        while (true) {
            int r = posix.waitpid(pid, status, 0);
            if (r == pid) {
                return ExitStatus.fromWaitStatus(status[0]);
            }
            int errno = posix.errno();
            if (r < 0 && errno == eintr) {
                continue;
            }
            if (r < 0 && errno == echild) {
                throw new NativeException(NativeException.Kind.NO_SUCH_PROCESS, errno,
                        "process " + pid + " is not an unreaped child of this JVM");
            }
            throw new NativeException(NativeException.Kind.OTHER, errno,
                    "waitpid(" + pid + ") returned " + r + ": " + describe(errno));
        }
    }

    /**
     * Sends {@code signal} to process {@code pid}; false if it no longer exists. An exited but not
     * yet reaped child still exists, so this returns true for it.
     */
    public boolean kill(long pid, int signal) throws NativeException {
        requireValidPid(pid);
        if (posix.kill(pid, signal) == 0) {
            return true;
        }
        int errno = posix.errno();
        if (errno == esrch) {
            return false;
        }
        if (errno == eperm) {
            throw new NativeException(NativeException.Kind.PERMISSION, errno,
                    "not permitted to send " + signalName(signal) + " to process " + pid);
        }
        throw new NativeException(NativeException.Kind.OTHER, errno,
                "cannot send " + signalName(signal) + " to process " + pid + ": " + describe(errno));
    }

    /** Linux reports /proc times in USER_HZ ticks, which the kernel ABI fixes at 100 per second. */
    private static final long NANOS_PER_TICK = TimeUnit.SECONDS.toNanos(1) / 100;

    /**
     * The CPU time (user and system, all threads) process {@code pid} has used so far, in
     * nanoseconds, from {@code /proc/<pid>/stat}: 10 ms resolution, enough for SETLOOPTIMER's
     * 0.01 s units, and readable for any process of ours without a handle on it.
     *
     * @throws NativeException NO_SUCH_PROCESS when the process is gone (or reaped)
     */
    public long processCpuNanos(long pid) throws NativeException {
        requireValidPid(pid);
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException e) {
            throw new NativeException(NativeException.Kind.NO_SUCH_PROCESS, esrch,
                    "cannot read the CPU time of process " + pid + ": " + e.getMessage(), e);
        }
        // The command name (field 2) may hold spaces and parentheses: fields count from the last ')'.
        int close = stat.lastIndexOf(')');
        String[] fields = stat.substring(close + 2).trim().split(" ");
        try {
            long utime = Long.parseLong(fields[11]);
            long stime = Long.parseLong(fields[12]);
            return (utime + stime) * NANOS_PER_TICK;
        } catch (RuntimeException e) {
            throw new NativeException(NativeException.Kind.OTHER, 0, "unexpected /proc/" + pid + "/stat: " + stat, e);
        }
    }

    public long getpid() {
        return posix.getpid();
    }

    // pid 0 and negative pids address process groups or every process: never what a caller means.
    private static void requireValidPid(long pid) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("not a single process id: " + pid);
        }
    }

    private String describe(int errno) {
        return errno == 0 ? "unknown error (errno not set)" : posix.strerror(errno) + " (errno " + errno + ")";
    }
}
