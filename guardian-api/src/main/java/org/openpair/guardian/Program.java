package org.openpair.guardian;

import java.io.Serializable;
import java.util.Objects;

/**
 * What a process runs: a hosted Java program (a {@link GuardianProgram} class run on its own
 * threads inside the target CPU's JVM) or an OS executable spawned by the target CPU.
 */
public sealed interface Program extends Serializable {

    /** How STATUS shows the program. */
    String display();

    /** A hosted program, by class name: the class must be on the target CPU's class path. */
    static Program hosted(String className) {
        return new Hosted(className);
    }

    /** A hosted program, by class. */
    static Program hosted(Class<? extends GuardianProgram> type) {
        return new Hosted(type.getName());
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
