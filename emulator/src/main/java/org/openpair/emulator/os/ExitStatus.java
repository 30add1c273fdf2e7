package org.openpair.emulator.os;

/**
 * How an OS process ended, decoded from the raw waitpid status so that callers never deal with
 * the WIFEXITED/WTERMSIG bit layout: either an exit code ({@code signal == 0}) or the signal
 * that killed it.
 */
public record ExitStatus(int exitCode, int signal, boolean coreDumped) {

    public ExitStatus {
        if (exitCode < 0 || exitCode > 255) {
            throw new IllegalArgumentException("exit code out of range: " + exitCode);
        }
        if (signal < 0 || signal > 127) {
            throw new IllegalArgumentException("signal out of range: " + signal);
        }
        if (signal != 0 && exitCode != 0) {
            throw new IllegalArgumentException("a killed process has no exit code");
        }
        if (coreDumped && signal == 0) {
            throw new IllegalArgumentException("only a killed process can dump core");
        }
    }

    /** Decodes a Linux wait status; stopped/continued statuses cannot occur without WUNTRACED/WCONTINUED. */
    public static ExitStatus fromWaitStatus(int raw) {
        int low = raw & 0x7f;
        if (low == 0) {
            return new ExitStatus((raw >> 8) & 0xff, 0, false);
        }
        if (low == 0x7f || raw == 0xffff) {
            throw new IllegalArgumentException("not a termination status: 0x" + Integer.toHexString(raw));
        }
        return new ExitStatus(0, low, (raw & 0x80) != 0);
    }

    /** True if the process exited by itself, false if a signal killed it. */
    public boolean exited() {
        return signal == 0;
    }

    @Override
    public String toString() {
        return exited() ? "exit " + exitCode
                : "killed by " + NativeOs.signalName(signal) + (coreDumped ? " (core dumped)" : "");
    }
}
