package org.openpair.examples;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.SignalState;

/**
 * A library ("subsystem") that must not run its caller's signal handlers while it works: it
 * supplants the process's signal handling around each call and restores it afterwards.
 * During the call only the fault signals reach the library's own handler; every other signal
 * stays pending, and arrives at the application's handlers, in order, once the call is over.
 *
 * {@snippet :
 * long total = SignalSubsystem.call(ctx, () -> ledger.postAll(batch));
 * }
 *
 * <p>Nesting works: each call keeps its own buffer, and restores are done in reverse order.
 */
public final class SignalSubsystem {
    private static final AtomicInteger FAULTS = new AtomicInteger();

    private SignalSubsystem() {
    }

    /** Runs {@code work} with the subsystem's signal handling, and puts the caller's back. */
    public static <T> T call(ProcessContext ctx, Supplier<T> work) {
        SignalState saved = new SignalState();
        ctx.signals().sigactionSupplant(fault -> {
            FAULTS.incrementAndGet();
            ctx.out().println("subsystem: " + fault + " during a call");
        }, saved);
        try {
            return work.get();
        } finally {
            ctx.signals().sigactionRestore(saved);
        }
    }

    /** Faults the subsystem's handler has seen. */
    public static int faults() {
        return FAULTS.get();
    }
}
