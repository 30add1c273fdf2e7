package org.openpair.emulator.cli;

/**
 * A {@code guardian} subcommand that lives outside the runtime, found with
 * {@link java.util.ServiceLoader} when its jar is on the class path: the benchmarks and the
 * chaos run ({@code guardian bench}, {@code guardian chaos}) come this way from the
 * {@code bench} module, so a node's runtime does not carry them and a checkout's
 * {@code ./guardian} still offers them.
 */
public interface GuardianSubcommand {
    /** The picocli command object (a class annotated with {@code @Command}); a new one per call. */
    Object command();
}
