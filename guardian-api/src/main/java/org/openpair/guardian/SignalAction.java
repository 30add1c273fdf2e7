package org.openpair.guardian;

import java.util.Objects;

/**
 * What a process does with a signal: its default ({@link Signal#defaultAction()}), ignore it,
 * or run a {@link SignalHandler}. The Java twin of {@code SIG_DFL}, {@code SIG_IGN} and a
 * handler function.
 */
public sealed interface SignalAction {

    /** {@code SIG_DFL}. */
    static SignalAction defaultAction() {
        return Default.INSTANCE;
    }

    /** {@code SIG_IGN}. */
    static SignalAction ignore() {
        return Ignore.INSTANCE;
    }

    /** Catch the signal with {@code handler}. */
    static SignalAction handler(SignalHandler handler) {
        return new Catch(handler);
    }

    /** {@code SIG_DFL}: the signal's default action. */
    final class Default implements SignalAction {
        static final Default INSTANCE = new Default();

        private Default() {
        }

        @Override
        public String toString() {
            return "SIG_DFL";
        }
    }

    /** {@code SIG_IGN}: the signal is discarded. */
    final class Ignore implements SignalAction {
        static final Ignore INSTANCE = new Ignore();

        private Ignore() {
        }

        @Override
        public String toString() {
            return "SIG_IGN";
        }
    }

    /** A handler: equal to another catch of the very same handler object. */
    record Catch(SignalHandler handler) implements SignalAction {
        public Catch {
            Objects.requireNonNull(handler, "handler");
        }
    }
}
