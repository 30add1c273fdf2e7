package org.openpair.emulator.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

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
                        + "base port, log directory, the CPUs' class path and metrics port. Write them once in a file or "
                        + "in the environment; a flag overrides a variable, a variable overrides the file, the file "
                        + "overrides the default, setting by setting.",
                "",
                "The file is the one --config FILE names, else the one $OPENPAIR_CONFIG names (either must exist), "
                        + "else the first that exists of: ./openpair.yaml; $XDG_CONFIG_HOME/openpair/openpair.yaml "
                        + "(~/.config/openpair/openpair.yaml when XDG_CONFIG_HOME is unset); /etc/openpair/openpair.yaml. "
                        + "Its keys are checked: an unknown key or a wrong type is refused with the key named.",
                "",
                "Variables (an empty one counts as unset; a bad value is a usage error, exit 2, naming the variable):",
                "  VARIABLE              FLAG           FILE KEY      SETTING",
                "  OPENPAIR_NODE         --node         node          node name",
                "  OPENPAIR_MEMBERS      --members      members       host:port,... to join or connect through",
                "  OPENPAIR_BIND         --bind         bind          address the CPUs listen on",
                "  OPENPAIR_BASE_PORT    --base-port    base-port     CPU n listens on port+n",
                "  OPENPAIR_LOG_DIR      --log-dir      log-dir       process log directory",
                "  OPENPAIR_RUN_DIR      --run-dir      run-dir       the CPUs' admin sockets",
                "  OPENPAIR_METRICS_PORT --metrics-port metrics-port  CPU n serves GET /metrics at port+n "
                        + "(cpu start, node up; default: none)",
                "  OPENPAIR_CLASS_PATH   --class-path   class-path    jars and directories of users' programs, ':'-separated "
                        + "(cpu start, node up)",
                "  OPENPAIR_KEY_FILE     --key-file     key-file      the node key, made by 'guardian key new' "
                        + "(default: none; see guardian-key(1))",
                "  OPENPAIR_CONFIG       --config                     the file itself",
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
                        + "'OPENPAIR_NODE=TEST guardian status' talks to \\TEST on the same ports.",
                "",
                "How a command reaches the node: each CPU listens on an admin socket, RUN-DIR/NODE/cpuN.sock "
                        + "(RUN-DIR: the run-dir setting, else $XDG_RUNTIME_DIR/openpair, else <tmp>/openpair-<user>; "
                        + "directories 0700, socket 0600). On the node's machine a command talks to the first CPU whose "
                        + "socket answers as a CPU of that node; otherwise (another machine, no socket, another user's "
                        + "directory) it connects to the member addresses as an engine client. Both give the same results."})
public final class GuardianCommand implements Runnable {
    /**
     * The built-in subcommands by name, in the order help lists them (the plugins and
     * {@code help} follow). Named here, not in the annotation, so that a call builds the model of
     * the one it runs: picocli reads every option of every registered command reflectively, and
     * that was most of a quick call's time.
     */
    private static final Map<String, Class<?>> SUBCOMMANDS = subcommands(
            CpuCommand.class, "cpu",
            NodeCommand.class, "node",
            RunCommand.class, "run",
            StatusCommand.class, "status",
            PpdCommand.class, "ppd",
            StopCommand.class, "stop",
            KillCommand.class, "kill",
            SwitchCommand.class, "switch",
            UpgradeCommand.class, "upgrade",
            SendCommand.class, "send",
            CpusCommand.class, "cpus",
            EventsCommand.class, "events",
            DemoCommand.class, "demo",
            SemCommand.class, "sem",
            KeyCommand.class, "key",
            CompletionCommand.class, "completion");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where the node options look for settings besides the flags. */
    final ConfigSources sources;

    private GuardianCommand(ConfigSources sources) {
        this.sources = sources;
    }

    public static void main(String[] args) {
        int code = commandLineFor(args, ConfigSources.system()).execute(args);
        CdsTraining.loadIfTraining();
        System.exit(code);
    }

    /** The full command model: what the tests, the man pages and completion share. */
    public static CommandLine commandLine() {
        return commandLine(ConfigSources.system());
    }

    /** The full command model reading its config file and variables from {@code sources}, for tests. */
    public static CommandLine commandLine(ConfigSources sources) {
        return build(sources, null);
    }

    /**
     * The model {@code args} need: the root and the one built-in subcommand they name, or the
     * root alone for {@code --version}; the full model for anything else (help, completion, a
     * plugin, an unknown command, whose error lists them all). It runs {@code args} exactly as the
     * full model would.
     */
    static CommandLine commandLineFor(String[] args, ConfigSources sources) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            return build(sources, "");
        }
        if (args.length >= 1 && SUBCOMMANDS.containsKey(args[0]) && !args[0].equals("completion")) {
            return build(sources, args[0]);
        }
        return build(sources, null);
    }

    /** @param only the one subcommand to register, "" for none, null for all */
    private static CommandLine build(ConfigSources sources, String only) {
        // The command reports failures itself, as one line with the Guardian error number.
        Logging.configure("debug".equalsIgnoreCase(System.getenv("GUARDIAN_LOG")) ? System.Logger.Level.DEBUG
                : "info".equalsIgnoreCase(System.getenv("GUARDIAN_LOG")) ? System.Logger.Level.INFO
                : System.Logger.Level.WARNING, System.Logger.Level.OFF);
        CommandLine cl = new CommandLine(new GuardianCommand(sources));
        if (only != null) {
            if (!only.isEmpty()) {
                cl.addSubcommand(only, SUBCOMMANDS.get(only));
            }
        } else {
            SUBCOMMANDS.forEach(cl::addSubcommand);
            // Subcommands from outside the runtime (bench, chaos), in a stable order; before help.
            List<Object> plugins = new ArrayList<>();
            for (GuardianSubcommand s : ServiceLoader.load(GuardianSubcommand.class)) {
                plugins.add(s.command());
            }
            plugins.sort(Comparator.comparing(o -> o.getClass().getName()));
            for (Object plugin : plugins) {
                cl.addSubcommand(plugin);
            }
            cl.addSubcommand("help", CommandLine.HelpCommand.class);
        }
        cl.setExecutionExceptionHandler(GuardianCommand::handle);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Everything after the program is the program's: 'guardian run sh -c true'.
        CommandLine run = cl.getSubcommands().get("run");
        if (run != null) {
            run.setStopAtPositional(true);
        }
        return cl;
    }

    /** The built-in subcommands' names, for the tests that compare the lazy model with the full one. */
    static java.util.Set<String> builtIns() {
        return SUBCOMMANDS.keySet();
    }

    private static Map<String, Class<?>> subcommands(Object... classAndName) {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        for (int i = 0; i < classAndName.length; i += 2) {
            m.put((String) classAndName[i + 1], (Class<?>) classAndName[i]);
        }
        return Collections.unmodifiableMap(m);
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
