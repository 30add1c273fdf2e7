package org.openpair.emulator.cli;

import java.util.logging.Level;

import org.openpair.emulator.config.ConfigSources;
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
                ExitCodes.INTERNAL + ":an internal failure (a bug: please report it)"},
        footerHeading = "%nConfiguration:%n",
        footer = {
                "Every command finds its node through the same settings: node name, member addresses, bind address, "
                        + "base port, log directory and the CPUs' class path. Write them once in a file or in the environment; a flag overrides "
                        + "a variable, a variable overrides the file, the file overrides the default, setting by setting.",
                "",
                "The file is the one --config FILE names, else the one $OPENPAIR_CONFIG names (either must exist), "
                        + "else the first that exists of: ./openpair.yaml; $XDG_CONFIG_HOME/openpair/openpair.yaml "
                        + "(~/.config/openpair/openpair.yaml when XDG_CONFIG_HOME is unset); /etc/openpair/openpair.yaml. "
                        + "Its keys are checked: an unknown key or a wrong type is refused with the key named.",
                "",
                "Variables (an empty one counts as unset; a bad value is a usage error, exit 2, naming the variable):",
                "  VARIABLE            FLAG         FILE KEY    SETTING",
                "  OPENPAIR_NODE       --node       node        node name",
                "  OPENPAIR_MEMBERS    --members    members     host:port,... to join or connect through",
                "  OPENPAIR_BIND       --bind       bind        address the CPUs listen on",
                "  OPENPAIR_BASE_PORT  --base-port  base-port   CPU n listens on port+n",
                "  OPENPAIR_LOG_DIR    --log-dir    log-dir     process log directory",
                "  OPENPAIR_CLASS_PATH --class-path class-path  jars and directories of users' programs, ':'-separated "
                        + "(cpu start, node up)",
                "  OPENPAIR_CONFIG     --config                 the file itself",
                "",
                "A sample file, ./openpair.yaml:",
                "  node: PROD",
                "  bind: 127.0.0.1",
                "  base-port: 5801",
                "  cpus: { 0: 127.0.0.1:5801, 1: 127.0.0.1:5802 }",
                "  members: [127.0.0.1:5801, 127.0.0.1:5802]",
                "  log-dir: /var/log/openpair",
                "",
                "With it, 'guardian node up --cpus 2' starts \\PROD and 'guardian status' talks to it without a flag; "
                        + "'OPENPAIR_NODE=TEST guardian status' talks to \\TEST on the same ports."})
public final class GuardianCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where the node options look for settings besides the flags. */
    final ConfigSources sources;

    private GuardianCommand(ConfigSources sources) {
        this.sources = sources;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command model: what {@code main}, the tests and the man pages share. */
    public static CommandLine commandLine() {
        return commandLine(ConfigSources.system());
    }

    /** The command model reading its config file and variables from {@code sources}, for tests. */
    public static CommandLine commandLine(ConfigSources sources) {
        // The command reports failures itself, as one line with the Guardian error number.
        Logging.configure("debug".equalsIgnoreCase(System.getenv("GUARDIAN_LOG")) ? Level.FINE
                : "info".equalsIgnoreCase(System.getenv("GUARDIAN_LOG")) ? Level.INFO : Level.WARNING, Level.OFF);
        CommandLine cl = new CommandLine(new GuardianCommand(sources));
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

    /**
     * One line, no stack trace; the exit code says which kind. A Guardian error shows its number
     * first; an unreachable node is no Guardian error of a call, so its line names the exit code
     * instead of a number a user would look up in vain.
     */
    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        if (e instanceof NodeUnreachableException u) {
            cl.getErr().println("guardian: " + u.getMessage() + " [exit " + ExitCodes.UNREACHABLE + "]");
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
