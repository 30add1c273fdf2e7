package org.openpair.guardian;

import java.util.Objects;

/**
 * A process handle (phandle): node, CPU, PIN and a verifier that is unique over time, so a
 * handle of a dead process never denotes a later process that reused its PIN.
 *
 * <p>The name is NonStop's (PROCESSHANDLE_COMPARE_, PROCESSHANDLE_GETMINE_), and it shadows the
 * JDK's {@code java.lang.ProcessHandle}: import this type by name, as
 * {@code import org.openpair.guardian.*} leaves {@code ProcessHandle} ambiguous (a compile
 * error), and write {@code java.lang.ProcessHandle} for the JDK's where both are needed.
 *
 * @param node     the node name, without its backslash
 * @param cpu      the CPU number, 0-15
 * @param pin      the process number within the CPU, 0-65534 (255 reserved)
 * @param verifier the creation sequence number; the {@code seq} of a process descriptor
 */
public record ProcessHandle(String node, int cpu, int pin, long verifier) {

    public ProcessHandle {
        Objects.requireNonNull(node, "node");
        if (cpu < 0 || cpu > 15) {
            throw new IllegalArgumentException("CPU must be 0-15: " + cpu);
        }
        if (pin < 0 || pin > 65534) {
            throw new IllegalArgumentException("PIN must be 0-65534: " + pin);
        }
    }

    /** {@code cpu,pin} as TACL shows it. */
    public String cpuPin() {
        return cpu + "," + pin;
    }

    /**
     * The process descriptor: {@code \NODE.$NAME:seq} for a named process,
     * {@code \NODE.$:cpu:pin:seq} for an unnamed one.
     */
    public String descriptor(ProcessName name) {
        return name == null
                ? "\\" + node + ".$:" + cpu + ":" + pin + ":" + verifier
                : "\\" + node + "." + name + ":" + verifier;
    }

    @Override
    public String toString() {
        return descriptor(null);
    }
}
