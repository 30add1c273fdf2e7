package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpair.testing.TestCluster;
import org.openpair.testing.TestPorts;

/**
 * The swap docs/operations.md (Logging) describes, done to an installation staged by
 * {@code dist/install.sh}: slf4j-jdk14 taken out of {@code lib/} and its line of
 * {@code lib/classpath}, Logback's two jars put in, and {@code -Dlogback.configurationFile} in
 * {@code GUARDIAN_JAVA_OPTS}. A CPU started by the installed launcher then writes through Logback:
 * its own start and the engine's lines land in Logback's file in Logback's pattern, and none goes
 * to the console in the default backend's format (nothing bypasses SLF4J to java.util.logging).
 */
class LoggingSwapIT {
    private static final Path DIST = Path.of(System.getProperty("dist.dir", "../dist"));
    private static final Path LOGBACK_JARS = Path.of("target/logback-swap");
    private static final Duration BOUND = Duration.ofSeconds(120);
    /** A line of the default backend's console format: {@code 12:00:00.000 INFO Cpu: ...}. */
    private static final Pattern DEFAULT_FORMAT = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} [A-Z]+ \\S+: .*");

    @Test
    void installedCpu_withLogbackInPlaceOfTheDefaultBackend_writesItsAndTheEnginesLinesThroughLogback(
            @TempDir Path stage) throws Exception {
        Run install = run(List.of("bash", DIST.resolve("install.sh").toString(), "--no-build", "--destdir",
                stage.toString()));
        assertThat(install.exit()).as("install.sh\n%s", install.output()).isZero();
        Path lib = stage.resolve("opt/openpair/lib");
        swapInLogback(lib);

        Path logFile = stage.resolve("openpair-cpu0.log");
        Path config = Files.writeString(stage.resolve("logback.xml"), """
                <configuration>
                  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
                    <file>%s</file>
                    <encoder><pattern>LOGBACK %%d{HH:mm:ss.SSS} %%-5level [%%logger] %%msg%%n</pattern></encoder>
                  </appender>
                  <logger name="com.hazelcast" level="INFO"/>
                  <root level="INFO"><appender-ref ref="FILE"/></root>
                </configuration>
                """.formatted(logFile));
        Path runDir = Files.createDirectory(stage.resolve("run"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        int base = TestPorts.freeBlock(16);
        Path console = stage.resolve("console.out");
        ProcessBuilder pb = new ProcessBuilder(stage.resolve("opt/openpair/bin/guardian").toString(), "cpu", "start",
                "--cpu", "0", "--cpus", "1", "--node", "LOGBK", "--base-port", String.valueOf(base),
                "--run-dir", runDir.toString(), "--log-dir", stage.resolve("logs").toString())
                .redirectErrorStream(true).redirectOutput(console.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.startsWith("OPENPAIR_") || k.equals("GUARDIAN_LOG"));
        pb.environment().put("OPENPAIR_CONFIG", "/dev/null");
        pb.environment().put("GUARDIAN_JAVA_OPTS", "-Dlogback.configurationFile=" + config);
        Process cpu = pb.start();
        try {
            TestCluster.awaitCondition("CPU 0's start on the console, and in Logback's file with an engine line",
                    BOUND, () -> {
                assertThat(cpu.isAlive()).as("the CPU runs\n%s", text(console)).isTrue();
                List<String> lines = text(logFile).lines().toList();
                return text(console).contains("CPU 0 of \\LOGBK is up at ")
                        && lines.stream().anyMatch(l -> l.startsWith("LOGBACK ")
                                && l.contains("[org.openpair.emulator.cpu.Cpu] CPU 0 of \\LOGBK is up at "))
                        && lines.stream().anyMatch(l -> l.startsWith("LOGBACK ") && l.contains("[com.hazelcast."));
            }, () -> "console:\n" + text(console) + "\nLogback's file:\n" + text(logFile));
            String out = text(console);
            assertThat(out.lines()).as("console lines in the default backend's format, or SLF4J's complaints")
                    .noneMatch(l -> DEFAULT_FORMAT.matcher(l).matches() || l.startsWith("SLF4J"));
        } finally {
            cpu.destroy();
            if (!cpu.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)) {
                cpu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** As docs/operations.md says: the binding's jar and line out, Logback's two in, in its place. */
    private static void swapInLogback(Path lib) throws IOException {
        List<String> order = Files.readAllLines(lib.resolve("classpath"), StandardCharsets.UTF_8);
        List<String> binding = order.stream().filter(j -> j.startsWith("slf4j-jdk14-")).toList();
        assertThat(binding).as("the default backend in the installed lib/").hasSize(1);
        List<String> logback;
        try (Stream<Path> jars = Files.list(LOGBACK_JARS)) {
            logback = jars.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(logback).as("Logback's jars copied by the build").hasSize(2)
                .allSatisfy(j -> assertThat(j).startsWith("logback-"));
        List<String> swapped = new ArrayList<>();
        for (String jar : order) {
            if (jar.equals(binding.get(0))) {
                swapped.addAll(logback);
            } else {
                swapped.add(jar);
            }
        }
        Files.delete(lib.resolve(binding.get(0)));
        for (String jar : logback) {
            Files.copy(LOGBACK_JARS.resolve(jar), lib.resolve(jar), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.write(lib.resolve("classpath"), swapped, StandardCharsets.UTF_8);
    }

    private static String text(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private record Run(int exit, String output) {
    }

    private static Run run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("logging-swap", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + BOUND.toSeconds()
                        + " s:\n" + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
