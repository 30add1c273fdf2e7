package org.openpair.jmh;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openpair.emulator.timers.LoopTimer;
import org.openpair.emulator.timers.LoopTimers;

/**
 * The cost of one SETLOOPTIMER, which a NonStop program makes on every pass of its main loop:
 * {@link LoopTimer#set} re-arming a timer whose sampler thread is live and sampling the
 * benchmark thread's group (the budget, 327.67 s, never runs out during a run). Baselines in the
 * same run: {@code System.nanoTime()} (the one clock read an arm makes) and the raw
 * ThreadMXBean read of the current thread's CPU time, which an arm that read the CPU clock
 * itself would cost.
 *
 * <p>Run (not part of {@code mvn verify}):
 * <pre>
 * mvn -B -Pjmh -pl emulator/jmh -am package -DskipTests
 * java -cp emulator/jmh/target/classes:$(cat emulator/jmh/target/classpath.txt) org.openjdk.jmh.Main SetLoopTimerBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SetLoopTimerBenchmark {
    private LoopTimers timers;
    private LoopTimer timer;
    private int setting;

    @Setup(Level.Trial)
    public void setUp() {
        timers = new LoopTimers(0);
        timer = timers.timer(Thread.currentThread().getThreadGroup(), () -> {
            throw new IllegalStateException("the loop timer fired during the benchmark");
        });
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        timer.close();
        timers.close();
    }

    @Benchmark
    public int setLoopTimer() {
        // Alternate two large settings, so every call is a re-arm that changes the word.
        setting = setting == 32767 ? 32766 : 32767;
        return timer.set(setting);
    }

    @Benchmark
    public long baselineNanoTime() {
        return System.nanoTime();
    }

    @Benchmark
    public long baselineThreadCpuTime() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }
}
