package org.openpair.emulator.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM asked for its threads prints them to its output and goes on: what the chaos run takes
 * of every CPU before it kills one that did not come back, so that the stuck node can be read.
 */
class CpuJvmThreadDumpTest {
    private static final Duration BOUND = Duration.ofSeconds(30);

    /** Prints a line, then waits to be killed; its main thread has a name to find in the dump. */
    public static final class Idler {
        public static void main(String[] args) throws InterruptedException {
            Thread.currentThread().setName("idler-main");
            System.out.println("idler up");
            System.out.flush();
            Thread.sleep(BOUND.toMillis() * 4);
        }
    }

    @Test
    void aThreadDump_landsInTheJvmsOutput_andTheJvmGoesOn(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("idler.out");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        CpuJvm jvm = CpuJvm.start("idler", List.of(java, "-cp", System.getProperty("java.class.path"),
                Idler.class.getName()), out);
        try {
            jvm.awaitOutput("idler up", BOUND);
            assertThat(jvm.threadDump(BOUND)).as("the dump printed").isTrue();
            assertThat(Files.readString(out)).contains("Full thread dump").contains("\"idler-main\"");
            assertThat(jvm.isAlive()).as("the JVM after its dump").isTrue();
        } finally {
            jvm.kill9(BOUND);
        }
    }
}
