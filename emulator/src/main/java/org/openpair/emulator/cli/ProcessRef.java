package org.openpair.emulator.cli;

import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.ProcessName;

/**
 * A process as an operator types it: {@code $NAME}, {@code NAME} (the {@code $} needs quoting
 * in shells) or {@code cpu,pin}.
 */
final class ProcessRef {
    private ProcessRef() {
    }

    /** The live process the text denotes; 13 for a malformed name, 14 when nothing matches. */
    static ProcessInfo resolve(Guardian guardian, String text) {
        int comma = text.indexOf(',');
        if (comma > 0) {
            int cpu;
            int pin;
            try {
                cpu = Integer.parseInt(text.substring(0, comma).trim());
                pin = Integer.parseInt(text.substring(comma + 1).trim());
            } catch (NumberFormatException e) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, "'" + text + "' is neither $NAME nor cpu,pin");
            }
            for (ProcessInfo p : guardian.processes()) {
                ProcessHandle h = p.handle();
                if (h.cpu() == cpu && h.pin() == pin) {
                    return p;
                }
            }
            throw new GuardianException(GuardianError.NO_SUCH_DEVICE, "no process " + cpu + "," + pin);
        }
        ProcessName name = ProcessName.of(text);
        return guardian.lookup(name).orElseThrow(() ->
                new GuardianException(GuardianError.NO_SUCH_DEVICE, "process " + name + " does not exist"));
    }
}
