package org.openpair.emulator.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.openpair.emulator.json.Json;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code guardian run}: PROCESS_SPAWN_ from the command line, like TACL's RUN. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Create a process: an OS executable, or with --hosted a Java class implementing GuardianProgram "
                + "(run inside the CPU's JVM), or with --java such a class run as an OS process of its own that "
                + "attaches to its CPU.",
                "Options go before PROGRAM; everything after it is the program's arguments, as with "
                        + "'docker run' and 'env': in 'guardian run --cpu 1 ls --cpu 2', '--cpu 2' goes to ls. "
                        + "A guardian option found after PROGRAM is still passed on, with a warning on stderr.",
                "Node settings (name, members, ports) come from the config file and OPENPAIR_* variables "
                        + "unless flags say otherwise: see CONFIGURATION in guardian(1).",
                "Example: guardian run --name srv --cpu 1 --hosted org.openpair.examples.Ticker 500",
                "Example: guardian run --name echo --cpu 0 /bin/echo --name x  (echo prints '--name x'; guardian warns)"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:created; its descriptor is printed",
                "1:Guardian error: 12 name in use, 13 bad name, 14 CPU not configured, 66 CPU down, "
                        + "11 program not found, 48 not executable, 2 bad class or parameter",
                "2:usage", "3:node not reachable"})
final class RunCommand implements Callable<Integer> {
    @Option(names = "--name", paramLabel = "$NAME", description = "Register the process under this name ($ optional).")
    String name;

    @Option(names = "--cpu", paramLabel = "N|any", defaultValue = "any",
            description = "CPU to run on, or 'any' for the least loaded CPU (default: any).")
    String cpu;

    @Option(names = {"--pri", "--priority"}, paramLabel = "1-199", defaultValue = "" + SpawnRequest.DEFAULT_PRIORITY,
            description = "Priority (default: ${DEFAULT-VALUE}).")
    int priority;

    @Option(names = "--env", paramLabel = "KEY=VALUE", description = "Environment variable for the process (repeatable).")
    Map<String, String> env;

    @Option(names = "--hosted", description = "PROGRAM is a Java class run inside the CPU's JVM.")
    boolean hosted;

    @Option(names = "--java", description = "PROGRAM is a Java class run as an OS process (a JVM of its own with the "
            + "CPU's class path) attached to its CPU: isolated, and killed -9 alone.")
    boolean java;

    @Option(names = "--class-path", paramLabel = "PATHS",
            description = "This program's own classes (with --hosted or --java), searched before the CPU's class path; "
                    + "its backup gets them too." + ClassPathOption.DESCRIPTION_SUFFIX
                    + " Each must exist on the CPU's machine (error 11).")
    List<String> classPath;

    @Parameters(index = "0", paramLabel = "PROGRAM", description = "Executable (path or name on PATH), or class name with --hosted or --java.")
    String program;

    @Parameters(index = "1..*", paramLabel = "ARG", description = "Arguments of the program.")
    List<String> args = new ArrayList<>();

    @Mixin
    NodeOptions node;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (hosted && java) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--hosted and --java exclude each other");
        }
        warnOfOwnOptionsAfterProgram();
        SpawnRequest.Builder b = SpawnRequest.of(hosted ? Program.hosted(program)
                        : java ? Program.java(program) : Program.executable(program))
                .priority(priority).args(args).cpu(parseCpu());
        if (name != null) {
            b.name(name);
        }
        if (env != null) {
            env.forEach(b::env);
        }
        if (classPath != null) {
            if (!hosted && !java) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--class-path needs --hosted or --java");
            }
            b.classPath(ClassPathOption.absolute(spec.commandLine(), classPath));
        }
        SpawnRequest request = b.build();
        try (NodeConnection connection = NodeConnection.open(node.config())) {
            ProcessHandle handle = connection.guardian().processSpawn(request);
            ProcessInfo info = connection.guardian().process(handle).orElse(null);
            var out = spec.commandLine().getOut();
            if (output.json) {
                out.println(info != null ? Json.of(Views.process(info)) : Json.of(Map.of("descriptor", handle.toString())));
            } else {
                out.println(handle.descriptor(request.name()) + "  cpu,pin " + handle.cpuPin()
                        + (info != null && info.pid() != 0 ? "  pid " + info.pid() : "")
                        + (info != null ? "  log " + info.logFile() : ""));
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    /**
     * A guardian option after PROGRAM is most likely meant for guardian: say where it went,
     * once, and run anyway, since a program may well take an option of the same name. Long
     * names only: '-h' or '-V' after a program ({@code ls -h}) is the program's far more often.
     */
    private void warnOfOwnOptionsAfterProgram() {
        List<String> misplaced = args.stream()
                .filter(a -> a.startsWith("--"))
                .filter(a -> spec.optionsMap().containsKey(a.contains("=") ? a.substring(0, a.indexOf('=')) : a))
                .map(a -> "'" + a + "'").distinct().toList();
        if (!misplaced.isEmpty()) {
            spec.commandLine().getErr().println("guardian: warning: " + String.join(", ", misplaced) + " after PROGRAM "
                    + (misplaced.size() == 1 ? "is" : "are") + " passed to the program; put guardian options before PROGRAM");
            spec.commandLine().getErr().flush();
        }
    }

    private int parseCpu() {
        if ("any".equalsIgnoreCase(cpu)) {
            return SpawnRequest.ANY_CPU;
        }
        try {
            return Integer.parseInt(cpu);
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--cpu must be a number 0-15 or 'any': " + cpu);
        }
    }
}
