package org.openpair.emulator.cli;

import java.util.logging.Level;

import org.openpair.emulator.launch.Logging;
import org.openpair.guardian.GuardianException;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code guardian}: run CPUs, run and stop named processes, and watch them, as TACL's RUN,
 * STATUS, PPD and STOP do on a NonStop node.
 */
@Command(name = "guardian",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Run NonStop-style named processes and process pairs on a node of CPUs.",
        subcommands = {
                CpuCommand.class,
                NodeCommand.class,
                RunCommand.class,
                StatusCommand.class,
                PpdCommand.class,
                StopCommand.class,
                KillCommand.class,
                SwitchCommand.class,
                SendCommand.class,
                CpusCommand.class,
                DemoCommand.class,
                SemCommand.class,
                CompletionCommand.class,
                CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                ExitCodes.OK + ":ok",
                ExitCodes.GUARDIAN_ERROR + ":a Guardian error; the message starts with its number",
                ExitCodes.USAGE + ":the command line was malformed",
                ExitCodes.UNREACHABLE + ":the node could not be reached",
                ExitCodes.INTERNAL + ":an internal failure (a bug: please report it)"})
public final class GuardianCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command model: what {@code main}, the tests and the man pages share. */
    public static CommandLine commandLine() {
        // The command reports failures itself, as one line with the Guardian error number.
        Logging.configure("debug".equalsIgnoreCase(System.getenv("GUARDIAN_LOG")) ? Level.FINE
                : "info".equalsIgnoreCase(System.getenv("GUARDIAN_LOG")) ? Level.INFO : Level.WARNING, Level.OFF);
        CommandLine cl = new CommandLine(new GuardianCommand());
        // Subcommands from outside the runtime (bench, chaos), in a stable order; before help.
        java.util.List<Object> plugins = new java.util.ArrayList<>();
        for (GuardianSubcommand s : java.util.ServiceLoader.load(GuardianSubcommand.class)) {
            plugins.add(s.command());
        }
        plugins.sort(java.util.Comparator.comparing(o -> o.getClass().getName()));
        CommandLine help = cl.getSubcommands().get("help");
        cl.getCommandSpec().removeSubcommand("help");
        for (Object plugin : plugins) {
            cl.addSubcommand(plugin);
        }
        cl.addSubcommand("help", help);
        cl.setExecutionExceptionHandler(GuardianCommand::handle);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Everything after the program is the program's: 'guardian run sh -c true'.
        cl.getSubcommands().get("run").setStopAtPositional(true);
        return cl;
    }

    /** One line, the Guardian number first, no stack trace; the exit code says which kind. */
    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        if (e instanceof NodeUnreachableException u) {
            cl.getErr().println("guardian: " + u.oneLine());
            return ExitCodes.UNREACHABLE;
        }
        if (e instanceof GuardianException g) {
            cl.getErr().println("guardian: " + g.oneLine());
            return ExitCodes.GUARDIAN_ERROR;
        }
        cl.getErr().println("guardian: internal error: " + e);
        if (System.getenv("GUARDIAN_DEBUG") != null) {
            e.printStackTrace(cl.getErr());
        }
        return ExitCodes.INTERNAL;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }
}
