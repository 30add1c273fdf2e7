package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code systemd-analyze verify} on the unit template {@code dist/systemd/openpair-cpu@.service}.
 * A template cannot be verified as such, so each case verifies an instance: a copy named
 * {@code openpair-cpu@0.service} whose ExecStart points at the launcher {@code dist/bin/guardian}
 * copied into a temporary {@code bin/} (verify checks that the binary exists; the unit names
 * {@code /opt/openpair/bin/guardian}, which only an installation has). Nothing else of the unit
 * is changed.
 *
 * <p>verify reports an unknown key or a bad value as a warning and still exits 0, so a pass means
 * exit 0 and no line about the unit at all. The refused cases prove that both checks can fail.
 * Skipped (with the reason) where {@code systemd-analyze} is missing.
 */
class SystemdUnitTest {
    private static final Path DIST = Path.of(System.getProperty("dist.dir", "../dist"));
    private static final Path UNIT = DIST.resolve("systemd").resolve("openpair-cpu@.service");
    private static final Path LAUNCHER = DIST.resolve("bin").resolve("guardian");
    private static final String INSTALLED_LAUNCHER = "/opt/openpair/bin/guardian";
    private static final String INSTANCE = "openpair-cpu@0.service";
    private static final long VERIFY_BOUND_SECONDS = 60;

    private static Path analyze;

    @BeforeAll
    static void findSystemdAnalyze() {
        analyze = List.of("/usr/bin", "/bin", "/usr/local/bin").stream().map(d -> Path.of(d, "systemd-analyze"))
                .filter(Files::isExecutable).findFirst().orElse(null);
        if (analyze == null) {
            System.out.println("SystemdUnitTest skipped: no systemd-analyze in /usr/bin, /bin or /usr/local/bin");
        }
        assumeTrue(analyze != null, "no systemd-analyze in /usr/bin, /bin or /usr/local/bin (package systemd)");
    }

    @Test
    void verify_passesOnAnInstance_withNothingToSayAboutIt(@TempDir Path dir) throws Exception {
        String unit = Files.readString(UNIT, StandardCharsets.UTF_8);
        assertThat(unit).contains("ExecStart=" + INSTALLED_LAUNCHER + " cpu start --cpu %i");

        Verdict v = verify(dir, instanceOf(unit, dir), true);

        assertThat(v.exit()).as("systemd-analyze verify exit code\n%s", v.output()).isZero();
        assertThat(v.linesAboutTheUnit()).as("what verify says about %s\n%s", INSTANCE, v.output()).isEmpty();
    }

    @Test
    void verify_refusesAnInstanceWhoseLauncherIsMissing(@TempDir Path dir) throws Exception {
        String unit = instanceOf(Files.readString(UNIT, StandardCharsets.UTF_8), dir);

        Verdict v = verify(dir, unit, false);

        assertThat(v.exit()).as("exit code with no launcher\n%s", v.output()).isNotZero();
        assertThat(v.output()).contains(dir.resolve("bin").resolve("guardian").toString());
    }

    @Test
    void verify_reportsAnUnknownKey_whichAPassWouldNotAllow(@TempDir Path dir) throws Exception {
        String unit = instanceOf(Files.readString(UNIT, StandardCharsets.UTF_8), dir)
                .replace("[Service]\n", "[Service]\nRestartPolitely=yes\n");

        Verdict v = verify(dir, unit, true);

        assertThat(v.linesAboutTheUnit()).as("what verify says about %s\n%s", INSTANCE, v.output())
                .anySatisfy(line -> assertThat(line).contains("RestartPolitely"));
    }

    /** The unit with its ExecStart launcher moved into {@code dir/bin}; nothing else changed. */
    private static String instanceOf(String unit, Path dir) {
        return unit.replace(INSTALLED_LAUNCHER, dir.resolve("bin").resolve("guardian").toString());
    }

    private record Verdict(int exit, String output) {
        List<String> linesAboutTheUnit() {
            return output.lines().filter(l -> l.contains(INSTANCE)).toList();
        }
    }

    /** Writes {@code unit} as {@code dir/openpair-cpu@0.service} (and the launcher, if asked) and verifies it. */
    private static Verdict verify(Path dir, String unit, boolean withLauncher) throws IOException, InterruptedException {
        if (withLauncher) {
            Path bin = Files.createDirectories(dir.resolve("bin"));
            Path launcher = Files.copy(LAUNCHER, bin.resolve("guardian"));
            Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path instance = dir.resolve(INSTANCE);
        Files.writeString(instance, unit, StandardCharsets.UTF_8);
        Path out = dir.resolve("verify.out");
        Process p = new ProcessBuilder(analyze.toString(), "verify", "--man=no", instance.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        if (!p.waitFor(VERIFY_BOUND_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("systemd-analyze verify did not finish within " + VERIFY_BOUND_SECONDS + " s:\n"
                    + Files.readString(out, StandardCharsets.UTF_8));
        }
        return new Verdict(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }
}
