package org.openpair.testing.programs;

import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Signal;

/**
 * A hosted program that sends one signal to a named process (args: {@code $NAME SIGNAL}) and
 * logs {@code sent SIGNAL to $NAME}, or {@code refused: error N ...}: a kill that starts on
 * the sender's CPU, whichever JVM that is.
 */
public final class SendSignal implements GuardianProgram {
    @Override
    public void run(ProcessContext context) {
        ProcessName target = ProcessName.of(context.args().get(0));
        Signal signal = Signal.parse(context.args().get(1));
        try {
            context.guardian().kill(target, signal);
            context.out().println("sent " + signal + " to " + target);
        } catch (GuardianException e) {
            context.out().println("refused: " + e.oneLine());
        }
    }
}
