package org.openpair.emulator.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Our {@code System.Logger} calls go through SLF4J's platform-logging bridge to the default
 * backend (slf4j-jdk14, which {@link Logging} configures): the message with its parameters
 * filled in, the exception with it, the one-line format on the console, and the levels
 * {@code configure} sets for OpenPair, for the engine and for the loggers named in
 * {@value Logging#FINE_PROPERTY}.
 */
class LoggingTest {
    private static final String PROBE = "org.openpair.emulator.launch.LoggingTest.probe";
    private static final String ENGINE = "com.hazelcast.internal.cluster.impl.Probe";

    @AfterEach
    void restore() {
        System.clearProperty(Logging.FINE_PROPERTY);
        // As TestNodes leaves it for the other tests of this JVM.
        Logging.configure(Level.INFO, Level.ERROR);
    }

    @Test
    void systemLogger_goesThroughSlf4j_withItsParametersFilledIn_andItsException() {
        System.Logger log = System.getLogger(PROBE);
        assertThat(log.getClass().getName()).as("the platform's logger finder is SLF4J's bridge")
                .startsWith("org.slf4j.jdk.platform.logging.");
        Logging.configure(Level.INFO, Level.WARNING);
        IllegalStateException boom = new IllegalStateException("boom");
        try (Logging.Capture c = Logging.capture(null, true, PROBE)) {
            log.log(Level.INFO, "{0}: {1} took over at epoch {2}", "$CTR", "1,12", 7);
            log.log(Level.DEBUG, "below INFO: not logged");
            log.log(Level.ERROR, "the call failed", boom);

            assertThat(c.lines()).extracting(Logging.Capture.Line::logger, Logging.Capture.Line::level,
                    Logging.Capture.Line::message).containsExactly(
                    tuple(PROBE, Level.INFO, "$CTR: 1,12 took over at epoch 7"),
                    tuple(PROBE, Level.ERROR, "the call failed"));
            assertThat(c.lines().get(1).thrown()).isSameAs(boom);
        }
    }

    @Test
    void console_oneLinePerMessage_withTheLevelAndTheLoggersShortName() {
        PrintStream err = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            // The console handler writes to the System.err it finds when configure makes it.
            System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            Logging.configure(Level.INFO, Level.WARNING);
        } finally {
            System.setErr(err);
        }
        System.Logger log = System.getLogger(PROBE);
        log.log(Level.WARNING, "{0} is {1}", "CPU 1", "down");
        log.log(Level.ERROR, "no reply", new IllegalStateException("boom"));

        assertThat(bytes.toString(StandardCharsets.UTF_8).lines().toList()).satisfiesExactly(
                l -> assertThat(l).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARNING probe: CPU 1 is down"),
                l -> assertThat(l).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} SEVERE probe: no reply"),
                l -> assertThat(l).startsWith("    java.lang.IllegalStateException: boom at "));
    }

    @Test
    void configure_setsOpenPairsLevel_andTheEnginesApart() {
        System.Logger ours = System.getLogger(PROBE);
        System.Logger engine = System.getLogger(ENGINE);

        // A CPU: its own events at INFO, the engine's warnings.
        Logging.configure(Level.INFO, false);
        assertThat(ours.isLoggable(Level.INFO)).isTrue();
        assertThat(ours.isLoggable(Level.DEBUG)).isFalse();
        assertThat(engine.isLoggable(Level.INFO)).isFalse();
        assertThat(engine.isLoggable(Level.WARNING)).isTrue();

        // Verbose: the engine's INFO too.
        Logging.configure(Level.INFO, true);
        assertThat(engine.isLoggable(Level.INFO)).isTrue();
        assertThat(engine.isLoggable(Level.DEBUG)).isFalse();

        // The command: its own warnings, nothing of the engine's, not even an error.
        Logging.configure(Level.WARNING, Level.OFF);
        assertThat(ours.isLoggable(Level.INFO)).isFalse();
        assertThat(ours.isLoggable(Level.WARNING)).isTrue();
        assertThat(engine.isLoggable(Level.ERROR)).isFalse();

        // GUARDIAN_LOG=debug.
        Logging.configure(Level.DEBUG, Level.OFF);
        assertThat(ours.isLoggable(Level.DEBUG)).isTrue();
        assertThat(ours.isLoggable(Level.TRACE)).isFalse();
        assertThat(engine.isLoggable(Level.ERROR)).isFalse();
    }

    @Test
    void fineProperty_opensTheNamedLoggersAtDebug_andNoOthers() {
        System.setProperty(Logging.FINE_PROPERTY, "com.hazelcast.internal.cluster , org.openpair.nothing.here");
        Logging.configure(Level.WARNING, Level.OFF);

        assertThat(System.getLogger(ENGINE).isLoggable(Level.DEBUG)).as("below a named logger").isTrue();
        assertThat(System.getLogger(ENGINE).isLoggable(Level.TRACE)).isFalse();
        assertThat(System.getLogger("com.hazelcast.spi.impl.Other").isLoggable(Level.ERROR)).as("the rest of the engine")
                .isFalse();
        assertThat(System.getLogger(PROBE).isLoggable(Level.INFO)).isFalse();

        // Configured again without the property: the named loggers are back to their parents' level.
        System.clearProperty(Logging.FINE_PROPERTY);
        Logging.configure(Level.WARNING, Level.OFF);
        assertThat(System.getLogger(ENGINE).isLoggable(Level.DEBUG)).isFalse();
    }

    @Test
    void capture_setsItsLevelWhileOpen_andGivesTheOldOneBack() {
        Logging.configure(Level.WARNING, Level.OFF);
        System.Logger log = System.getLogger(PROBE);
        try (Logging.Capture c = Logging.capture(Level.DEBUG, true, PROBE)) {
            assertThat(log.isLoggable(Level.DEBUG)).isTrue();
            log.log(Level.DEBUG, "kept");
            assertThat(c.lines()).extracting(Logging.Capture.Line::message).containsExactly("kept");
        }
        assertThat(log.isLoggable(Level.INFO)).isFalse();
        assertThat(log.isLoggable(Level.WARNING)).isTrue();
    }

    @Test
    void levels_mapToTheBackendsAndBack_eachToItself() {
        for (Level level : Level.values()) {
            assertThat(Logging.platform(Logging.jul(level))).as("%s and back", level).isEqualTo(level);
        }
    }
}
