package org.openpair.guardian;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The inputs of PROCESS_SPAWN_: program, optional name, target CPU, priority, arguments and
 * environment. Built with {@link #of(Program)}; validated when built, so a bad value fails
 * here with the value named rather than later on the target CPU.
 *
 * {@snippet :
 * SpawnRequest request = SpawnRequest.of(Program.hosted("org.example.Server"))
 *         .name("$SRV")
 *         .cpu(1)
 *         .args("--port", "0")
 *         .build();
 * }
 */
public final class SpawnRequest {

    /** Target CPU value meaning "the caller's own CPU", as -1 means to PROCESS_SPAWN_; for the operator, any CPU. */
    public static final int CALLER_CPU = -1;
    /** Target CPU value meaning "the least loaded CPU that is up" (the default). */
    public static final int ANY_CPU = -2;
    /** Priority when none is given. */
    public static final int DEFAULT_PRIORITY = 150;

    private final Program program;
    private final ProcessName name;
    private final int cpu;
    private final int priority;
    private final List<String> args;
    private final Map<String, String> env;
    private final boolean myBackup;
    private final List<String> classPath;

    private SpawnRequest(Builder b) {
        this.myBackup = b.myBackup;
        this.program = b.program;
        this.name = b.name;
        this.cpu = b.cpu;
        this.priority = b.priority;
        this.args = List.copyOf(b.args);
        this.env = Map.copyOf(b.env);
        this.classPath = List.copyOf(b.classPath);
    }

    public static Builder of(Program program) {
        return new Builder(program);
    }

    public Program program() {
        return program;
    }

    /** The name to register, or {@code null} for an unnamed process. */
    public ProcessName name() {
        return name;
    }

    /** The target CPU, {@link #CALLER_CPU} or {@link #ANY_CPU}. */
    public int cpu() {
        return cpu;
    }

    public int priority() {
        return priority;
    }

    public List<String> args() {
        return args;
    }

    /** Environment variables added to (or replacing those of) the CPU's own environment. */
    public Map<String, String> env() {
        return env;
    }

    /**
     * The program's own class path: absolute paths of jars and class directories on the target
     * CPU's machine, searched before the CPU's class path; empty for none. See
     * {@link Builder#classPath(List)}.
     */
    public List<String> classPath() {
        return classPath;
    }

    /**
     * PROCESS_SPAWN_ name option 3, "create my backup under my name": only a named process may
     * ask (error 22 otherwise), and the backup runs on a CPU other than the caller's.
     */
    public boolean isMyBackup() {
        return myBackup;
    }

    /** The same request aimed at another CPU. */
    public SpawnRequest onCpu(int targetCpu) {
        return copy(targetCpu, name);
    }

    /** The same request with the name set (a backup takes its primary's). */
    public SpawnRequest withName(ProcessName processName) {
        return copy(cpu, processName);
    }

    private SpawnRequest copy(int targetCpu, ProcessName processName) {
        Builder b = new Builder(program);
        b.name = processName;
        b.myBackup = myBackup;
        b.priority = priority;
        b.args.addAll(args);
        b.env.putAll(env);
        b.classPath.addAll(classPath);
        // Not build(): the routed copy of a backup request carries its primary's name by design.
        return new SpawnRequest(b.cpu(targetCpu));
    }

    @Override
    public String toString() {
        return "spawn " + program.display() + (name == null ? "" : " /NAME " + name) + (myBackup ? " (my backup)" : "")
                + (classPath.isEmpty() ? "" : " /CLASSPATH " + String.join(":", classPath))
                + ", CPU " + (cpu == ANY_CPU ? "any" : cpu == CALLER_CPU ? "caller's" : String.valueOf(cpu)) + ", PRI " + priority + " " + args;
    }

    /** Collects and checks the spawn inputs. */
    public static final class Builder {
        private final Program program;
        private ProcessName name;
        private int cpu = ANY_CPU;
        private int priority = DEFAULT_PRIORITY;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private boolean myBackup;
        private final List<String> classPath = new ArrayList<>();

        private Builder(Program program) {
            this.program = Objects.requireNonNull(program, "program");
        }

        /** Registers the process under a name; error 13 if the name is malformed. */
        public Builder name(String processName) {
            this.name = processName == null ? null : ProcessName.of(processName);
            return this;
        }

        public Builder name(ProcessName processName) {
            this.name = processName;
            return this;
        }

        /** The CPU to run on: 0-15, {@link #CALLER_CPU} or {@link #ANY_CPU}; anything else is error 2. */
        public Builder cpu(int targetCpu) {
            if (targetCpu != ANY_CPU && targetCpu != CALLER_CPU && (targetCpu < 0 || targetCpu > 15)) {
                throw new GuardianException(GuardianError.INVALID_OPERATION,
                        "CPU must be 0-15, the caller's (-1) or any (-2): " + targetCpu);
            }
            this.cpu = targetCpu;
            return this;
        }

        /** Priority 1-199, as PROCESS_SPAWN_; 0 or above 199 is error 2. */
        public Builder priority(int value) {
            if (value < 1 || value > 199) {
                throw new GuardianException(GuardianError.INVALID_OPERATION,
                        "priority must be 1-199: " + value);
            }
            this.priority = value;
            return this;
        }

        public Builder args(String... values) {
            return args(List.of(values));
        }

        public Builder args(List<String> values) {
            for (String v : values) {
                args.add(Objects.requireNonNull(v, "argument"));
            }
            return this;
        }

        public Builder env(String key, String value) {
            if (key == null || key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0) {
                throw new GuardianException(GuardianError.INVALID_OPERATION,
                        "environment variable name must be non-empty without '=': " + key);
            }
            env.put(key, Objects.requireNonNull(value, "value of " + key));
            return this;
        }

        /**
         * The program's own jars and class directories, added to any given before; for a hosted
         * or {@code --java} program only. Each entry is an absolute path on the target CPU's
         * machine: a blank or relative entry, or one holding {@code ':'}, is error 2 here (relative to what, on another
         * machine?). The target CPU refuses the spawn with error 11 if an entry does not exist
         * there and with error 2 if it is neither a directory nor a jar, and with 11 if the class
         * is in neither this class path nor the CPU's.
         *
         * <p>A hosted program gets a class loader of its own over this class path and then the
         * CPU's, whose parent sees this API and the JDK only: two programs may bring two versions
         * of one class, or of a library the emulator itself uses, without meeting. A program's
         * backup and its restarts get the same class path.
         */
        public Builder classPath(List<String> entries) {
            for (String e : entries) {
                if (e == null || e.isBlank()) {
                    throw new GuardianException(GuardianError.INVALID_OPERATION,
                            "class path entry is empty: " + entries);
                }
                if (!e.startsWith("/")) {
                    throw new GuardianException(GuardianError.INVALID_OPERATION,
                            "class path entry must be an absolute path on the CPU's machine: " + e);
                }
                if (e.indexOf(':') >= 0) {
                    // The entries become a JVM's -cp, where ':' separates them.
                    throw new GuardianException(GuardianError.INVALID_OPERATION,
                            "class path entry holds ':', give each path as an entry of its own: " + e);
                }
                classPath.add(e);
            }
            return this;
        }

        /**
         * Name option 3: create the calling process's backup, under its name. A name given
         * here as well is refused when built, since the backup takes its primary's.
         */
        public Builder myBackup() {
            this.myBackup = true;
            return this;
        }

        public SpawnRequest build() {
            if (myBackup && name != null) {
                throw new GuardianException(GuardianError.INVALID_OPERATION,
                        "a backup takes its primary's name: do not name it (" + name + ")");
            }
            if (!classPath.isEmpty() && program instanceof Program.Executable) {
                throw new GuardianException(GuardianError.INVALID_OPERATION,
                        "a class path is for Java programs (hosted or OS), not for executable " + program.display());
            }
            return new SpawnRequest(this);
        }
    }
}
