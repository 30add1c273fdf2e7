package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dist/install.sh --no-build --destdir DIR}: the jars the build packaged (an IT, so they
 * exist), staged as an installation, whose launcher then runs the command from them alone. With
 * {@code --destdir} the script creates no user and touches no systemd, so it is safe to run here.
 */
class InstallScriptIT {
    private static final Path DIST = Path.of(System.getProperty("dist.dir", "../dist"));
    private static final long BOUND_SECONDS = 120;

    private record Run(int exit, String output) {
    }

    @Test
    void staged_installation_runsTheCommandFromItsOwnJars(@TempDir Path stage) throws Exception {
        Run install = run(List.of("bash", DIST.resolve("install.sh").toString(), "--no-build", "--destdir",
                stage.toString()));
        assertThat(install.exit()).as("install.sh\n%s", install.output()).isZero();

        Path lib = stage.resolve("opt/openpair/lib");
        List<String> order = Files.readAllLines(lib.resolve("classpath"), StandardCharsets.UTF_8);
        assertThat(order.subList(0, 4)).as("the modules' jars first").satisfiesExactly(
                j -> assertThat(j).startsWith("guardian-api-"), j -> assertThat(j).startsWith("emulator-"),
                j -> assertThat(j).startsWith("examples-"), j -> assertThat(j).startsWith("bench-"));
        assertThat(order).anySatisfy(j -> assertThat(j).startsWith("hazelcast-"));
        for (String jar : order) {
            assertThat(lib.resolve(jar)).as("listed jar").isRegularFile();
        }
        try (Stream<Path> files = Files.list(lib)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")))
                    .as("jars in lib/ that the launcher would not use").containsExactlyInAnyOrderElementsOf(order);
        }
        assertThat(Files.readString(stage.resolve("etc/systemd/system/openpair-cpu@.service"), StandardCharsets.UTF_8))
                .isEqualTo(Files.readString(DIST.resolve("systemd/openpair-cpu@.service"), StandardCharsets.UTF_8));
        assertThat(Files.readSymbolicLink(stage.resolve("usr/local/bin/guardian")).toString())
                .isEqualTo("/opt/openpair/bin/guardian");
        assertThat(stage.resolve("etc/openpair/openpair.yaml.example")).isRegularFile();
        assertThat(stage.resolve("etc/openpair/openpair.yaml")).as("a settings file the operator did not write")
                .doesNotExist();

        Run version = run(List.of(stage.resolve("opt/openpair/bin/guardian").toString(), "--version"));
        assertThat(version.exit()).as("guardian --version\n%s", version.output()).isZero();
        assertThat(version.output()).contains("guardian (OpenPair)");
    }

    @Test
    void anotherPrefix_isWhereTheUnitLooksForTheLauncher(@TempDir Path stage) throws Exception {
        Run install = run(List.of("bash", DIST.resolve("install.sh").toString(), "--no-build", "--destdir",
                stage.toString(), "--prefix", "/srv/openpair"));
        assertThat(install.exit()).as("install.sh --prefix /srv/openpair\n%s", install.output()).isZero();
        assertThat(stage.resolve("srv/openpair/bin/guardian")).isExecutable();
        assertThat(Files.readString(stage.resolve("etc/systemd/system/openpair-cpu@.service"), StandardCharsets.UTF_8))
                .contains("ExecStart=/srv/openpair/bin/guardian cpu start --cpu %i").doesNotContain("/opt/openpair");
    }

    @Test
    void badArguments_exit2_andInstallNothing(@TempDir Path stage) throws Exception {
        for (List<String> bad : List.of(List.of("--prefix", "relative/openpair"), List.of("--colour"),
                List.of("--prefix"))) {
            List<String> cmd = new ArrayList<>(List.of("bash", DIST.resolve("install.sh").toString(), "--no-build",
                    "--destdir", stage.resolve("s").toString()));
            cmd.addAll(bad);
            Run r = run(cmd);
            assertThat(r.exit()).as("install.sh %s\n%s", bad, r.output()).isEqualTo(2);
            assertThat(stage.resolve("s/opt")).as("staged files after install.sh %s", bad).doesNotExist();
        }
    }

    private static Run run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("install-script", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            if (!p.waitFor(BOUND_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + BOUND_SECONDS + " s:\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
