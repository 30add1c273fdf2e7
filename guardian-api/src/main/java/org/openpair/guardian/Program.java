package org.openpair.guardian;

import java.util.Objects;

/**
 * What a process runs: a hosted Java program (a {@link GuardianProgram} class run on its own
 * threads inside the target CPU's JVM), a Java program run as an OS process of its own that
 * attaches to its CPU, or an OS executable spawned by the target CPU.
 */
public sealed interface Program {

    /** How STATUS shows the program. */
    String display();

    /**
     * A hosted program, by class name: the class must be on the program's class path
     * ({@link SpawnRequest.Builder#classPath}), the target CPU's ({@code --class-path}) or among
     * the CPU's own classes.
     */
    static Program hosted(String className) {
        return new Hosted(className);
    }

    /** A hosted program, by class. */
    static Program hosted(Class<? extends GuardianProgram> type) {
        return new Hosted(type.getName());
    }

    /**
     * A {@link GuardianProgram} class run as an OS process: the target CPU starts a JVM of its
     * own with this API, the program's and the CPU's class path (see
     * {@link SpawnRequest.Builder#classPath}), which attaches to the CPU over a local socket and then runs
     * the program with the same {@link ProcessContext} a hosted program gets. It costs a JVM
     * start, and buys isolation: a crash, a {@code kill -9} or a runaway heap ends that process
     * alone.
     */
    static Program java(String className) {
        return new Java(className);
    }

    /** A Java OS process, by class. */
    static Program java(Class<? extends GuardianProgram> type) {
        return new Java(type.getName());
    }

    /** An OS executable: a path, or a bare name looked up on the target CPU's {@code PATH}. */
    static Program executable(String pathOrName) {
        return new Executable(pathOrName);
    }

    /** A {@link GuardianProgram} class run inside the CPU's JVM. */
    record Hosted(String className) implements Program {
        public Hosted {
            Objects.requireNonNull(className, "className");
            if (className.isBlank()) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, "hosted program class name is empty");
            }
        }

        @Override
        public String display() {
            return className;
        }
    }

    /** A {@link GuardianProgram} class run in a JVM of its own, attached to its CPU. */
    record Java(String className) implements Program {
        public Java {
            Objects.requireNonNull(className, "className");
            if (className.isBlank()) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, "Java program class name is empty");
            }
        }

        @Override
        public String display() {
            return "java " + className;
        }
    }

    /** An OS executable spawned with posix_spawnp. */
    record Executable(String path) implements Program {
        public Executable {
            Objects.requireNonNull(path, "path");
            if (path.isBlank()) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, "executable path is empty");
            }
        }

        @Override
        public String display() {
            return path;
        }
    }
}
