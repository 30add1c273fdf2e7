package org.openpair.emulator.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;
import org.openpair.guardian.Program;
import org.openpair.guardian.Signal;
import org.openpair.guardian.SignalAction;
import org.openpair.guardian.SignalHandler;
import org.openpair.guardian.SignalJump;
import org.openpair.guardian.SignalState;
import org.openpair.guardian.Signals;
import org.openpair.guardian.SpawnRequest;
import org.openpair.guardian.Termination;
import org.openpair.guardian.TerminationCause;

/**
 * Signal state, kill across CPUs, and SIGACTION_INIT_/SUPPLANT_/RESTORE_ on real hosted
 * processes of two real CPUs (Hazelcast members in this JVM; a kill from CPU 0 to a process of
 * CPU 1 travels as a task through the cluster).
 */
class SignalsTest {
    private static final Duration BOUND = Duration.ofSeconds(20);
    private static EmbeddedNode node;
    private static Guardian g0;

    @BeforeAll
    static void start() {
        node = EmbeddedNode.start(TestNodes.config(2).build(), 2);
        g0 = node.cpu(0).guardian();
    }

    @AfterAll
    static void close() {
        node.close();
    }

    private static GuardianException error(int number, Runnable call) {
        try {
            call.run();
        } catch (GuardianException e) {
            assertThat(e.error()).as(e.getMessage()).isEqualTo(number);
            return e;
        }
        throw new AssertionError("no GuardianException " + number);
    }

    /** Everything of a signal state, for comparing before and after. */
    private record Snapshot(Map<Signal, SignalAction> actions, Set<Signal> mask) {
        static Snapshot of(Signals s) {
            Map<Signal, SignalAction> a = new EnumMap<>(Signal.class);
            for (Signal sig : Signal.values()) {
                a.put(sig, s.action(sig));
            }
            return new Snapshot(a, s.mask());
        }
    }

    /** A process that records the signals it catches, waiting until released. */
    private static final class Catcher {
        final List<Signal> caught = new CopyOnWriteArrayList<>();
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicReference<ProcessContext> ctx = new AtomicReference<>();
        Scripted.Run run;

        Catcher start(int cpu, String name, Signal... catchThese) {
            CountDownLatch ready = new CountDownLatch(1);
            run = Scripted.start(g0, cpu, name, c -> {
                for (Signal s : catchThese) {
                    c.signals().sigaction(s, SignalAction.handler(caught::add));
                }
                ctx.set(c);
                ready.countDown();
                release.await(60, TimeUnit.SECONDS);
                return "released";
            });
            try {
                assertThat(ready.await(20, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return this;
        }

        Signals signals() {
            return ctx.get().signals();
        }

        void end() {
            release.countDown();
            run.await();
        }
    }

    @Test
    void kill_fromAnotherCpu_byHandleAndByName_reachesTheHandler() {
        Catcher c = new Catcher().start(1, "$SIGA", Signal.SIGUSR1, Signal.SIGUSR2);
        g0.kill(c.run.handle(), Signal.SIGUSR1);
        g0.kill(ProcessName.of("$SIGA"), Signal.SIGUSR2);
        Scripted.await("both handled", BOUND, () -> c.caught.size() == 2);
        assertThat(c.caught).containsExactly(Signal.SIGUSR1, Signal.SIGUSR2);
        c.end();
    }

    @Test
    void kill_defaultTerminate_endsTheProcess_completionCode5_signalKept() {
        Catcher c = new Catcher().start(1, null);
        g0.kill(c.run.handle(), Signal.SIGTERM);
        Scripted.await("its end", BOUND, () -> g0.termination(c.run.handle()).isPresent());
        Termination t = g0.termination(c.run.handle()).orElseThrow();
        assertThat(t.cause()).isEqualTo(TerminationCause.SIGNALLED);
        assertThat(t.completionCode()).isEqualTo(5);
        assertThat(t.signal()).isEqualTo(15);
        assertThat(t.detail()).contains("SIGTERM from the operator");
    }

    @Test
    void ignored_andDefaultIgnored_signalsChangeNothing() {
        Catcher c = new Catcher().start(1, null, Signal.SIGUSR2);
        c.signals().sigaction(Signal.SIGHUP, SignalAction.ignore());
        g0.kill(c.run.handle(), Signal.SIGHUP);
        g0.kill(c.run.handle(), Signal.SIGCHLD);
        g0.kill(c.run.handle(), Signal.SIGUSR2);   // a marker behind them: both were acted on first
        Scripted.await("the marker", BOUND, () -> c.caught.contains(Signal.SIGUSR2));
        assertThat(c.caught).containsExactly(Signal.SIGUSR2);
        assertThat(g0.process(c.run.handle())).isPresent();
        c.end();
    }

    @Test
    void kill_badTargets_andUncatchableSignals() {
        Catcher c = new Catcher().start(1, null);
        ProcessHandle h = c.run.handle();
        error(14, () -> g0.kill(new ProcessHandle(h.node(), 1, h.pin(), h.verifier() + 1), Signal.SIGTERM));
        error(14, () -> g0.kill(ProcessName.of("$NOSIG"), Signal.SIGTERM));
        error(14, () -> g0.kill(new ProcessHandle(h.node(), 1, 4000, 1), Signal.SIGTERM));
        error(2, () -> g0.kill(h, null));
        error(2, () -> Signal.parse("SIGNOPE"));
        for (Signal s : List.of(Signal.SIGKILL, Signal.SIGABEND)) {
            error(2, () -> c.signals().sigaction(s, SignalAction.ignore()));
            assertThat(c.signals().setMask(EnumSet.of(s))).isEmpty();
            assertThat(c.signals().mask()).as("cannot be blocked").isEmpty();
        }
        c.signals().setMask(Set.of());
        assertThat(g0.process(h)).as("nothing above harmed it").isPresent();
        g0.kill(h, Signal.SIGKILL);
        Scripted.await("SIGKILL ends it", BOUND, () -> g0.termination(h).isPresent());
        assertThat(g0.termination(h).orElseThrow().signal()).isEqualTo(9);
    }

    @Test
    void kill_osProcess_sendsTheLinuxSignal_nonStopOnlySignalsRefused() {
        ProcessHandle h = g0.processSpawn(SpawnRequest.of(Program.executable("sleep")).args("60").cpu(1).build());
        error(2, () -> g0.kill(h, Signal.SIGTIMEOUT));
        assertThat(g0.process(h)).isPresent();
        g0.kill(h, Signal.SIGUSR1);
        Scripted.await("its end", BOUND, () -> g0.termination(h).isPresent());
        Termination t = g0.termination(h).orElseThrow();
        assertThat(t.cause()).isEqualTo(TerminationCause.SIGNALLED);
        assertThat(t.signal()).isEqualTo(10);
    }

    @Test
    void blocked_signalsStayPending_thenArriveInOrderWhenUnblocked() {
        Catcher c = new Catcher().start(1, null, Signal.SIGUSR1, Signal.SIGUSR2, Signal.SIGHUP);
        c.signals().setMask(EnumSet.of(Signal.SIGUSR1, Signal.SIGUSR2, Signal.SIGHUP));
        for (Signal s : List.of(Signal.SIGUSR2, Signal.SIGHUP, Signal.SIGUSR2, Signal.SIGUSR1)) {
            g0.kill(c.run.handle(), s);
        }
        // A pending signal is not queued twice.
        assertThat(c.signals().pending()).containsExactly(Signal.SIGUSR2, Signal.SIGHUP, Signal.SIGUSR1);
        assertThat(c.caught).isEmpty();
        assertThat(c.signals().setMask(Set.of())).containsExactlyInAnyOrder(Signal.SIGUSR1, Signal.SIGUSR2, Signal.SIGHUP);
        Scripted.await("three deliveries", BOUND, () -> c.caught.size() == 3);
        assertThat(c.caught).containsExactly(Signal.SIGUSR2, Signal.SIGHUP, Signal.SIGUSR1);
        assertThat(c.signals().pending()).isEmpty();
        c.end();
    }

    @Test
    void sigactionInit_catchesEveryCatchableSignal_unblocksAll_discardsPending() {
        Catcher c = new Catcher().start(1, null);
        c.signals().setMask(EnumSet.of(Signal.SIGUSR1));
        g0.kill(c.run.handle(), Signal.SIGUSR1);
        assertThat(c.signals().pending()).containsExactly(Signal.SIGUSR1);
        SignalHandler h = c.caught::add;
        c.signals().sigactionInit(h);
        for (Signal s : Signal.values()) {
            SignalAction expected = !s.isCatchable() ? SignalAction.defaultAction()
                    : s.defaultAction() == Signal.Default.IGNORE ? SignalAction.ignore() : SignalAction.handler(h);
            assertThat(c.signals().action(s)).as(s.name()).isEqualTo(expected);
        }
        assertThat(c.signals().mask()).isEmpty();
        assertThat(c.signals().pending()).isEmpty();
        error(2, () -> c.signals().sigactionInit(null));
        g0.kill(c.run.handle(), Signal.SIGTERM);   // now caught, not fatal
        Scripted.await("SIGTERM caught", BOUND, () -> c.caught.contains(Signal.SIGTERM));
        assertThat(c.caught).containsExactly(Signal.SIGTERM);
        c.end();
    }

    @Test
    void supplantThenRestore_leavesExactlyTheEarlierState() {
        Catcher c = new Catcher().start(1, null, Signal.SIGUSR1);
        Signals s = c.signals();
        SignalHandler appHandler = sig -> { };
        s.sigaction(Signal.SIGSEGV, SignalAction.handler(appHandler));
        s.sigaction(Signal.SIGHUP, SignalAction.ignore());
        s.setMask(EnumSet.of(Signal.SIGALRM, Signal.SIGUSR2));
        Snapshot before = Snapshot.of(s);

        SignalState buffer = new SignalState();
        SignalHandler subsystem = sig -> { };
        s.sigactionSupplant(subsystem, buffer);
        for (Signal sig : Signal.values()) {
            if (sig.isFault()) {
                assertThat(s.action(sig)).as(sig.name()).isEqualTo(SignalAction.handler(subsystem));
                assertThat(s.mask()).as(sig.name()).doesNotContain(sig);
            } else if (sig.isCatchable()) {
                assertThat(s.action(sig)).as(sig.name()).isEqualTo(before.actions().get(sig));
                assertThat(s.mask()).as(sig.name()).contains(sig);
            }
        }
        s.sigactionRestore(buffer);
        assertThat(Snapshot.of(s)).isEqualTo(before);
        // A buffer may be restored again, as a C buffer can.
        s.sigaction(Signal.SIGHUP, SignalAction.defaultAction());
        s.sigactionRestore(buffer);
        assertThat(Snapshot.of(s)).isEqualTo(before);
        c.end();
    }

    @Test
    void pendingUnderSupplant_arriveAfterRestore_inOrder() {
        Catcher c = new Catcher().start(1, null, Signal.SIGUSR1, Signal.SIGUSR2, Signal.SIGHUP, Signal.SIGTERM);
        SignalState buffer = new SignalState();
        c.signals().sigactionSupplant(sig -> c.caught.add(Signal.SIGABEND), buffer);
        for (Signal s : List.of(Signal.SIGUSR2, Signal.SIGTERM, Signal.SIGHUP, Signal.SIGUSR1)) {
            g0.kill(c.run.handle(), s);
        }
        assertThat(c.signals().pending()).containsExactly(Signal.SIGUSR2, Signal.SIGTERM, Signal.SIGHUP, Signal.SIGUSR1);
        assertThat(c.caught).isEmpty();
        c.signals().sigactionRestore(buffer);
        Scripted.await("four deliveries", BOUND, () -> c.caught.size() == 4);
        assertThat(c.caught).containsExactly(Signal.SIGUSR2, Signal.SIGTERM, Signal.SIGHUP, Signal.SIGUSR1);
        c.end();
    }

    @Test
    void restore_refusesNeverFilledForeignCorruptAndShortBuffers_changingNothing() {
        Catcher a = new Catcher().start(1, null, Signal.SIGUSR1);
        Catcher b = new Catcher().start(0, null, Signal.SIGUSR2);
        Signals s = a.signals();
        s.setMask(EnumSet.of(Signal.SIGQUIT));
        Snapshot before = Snapshot.of(s);

        assertThat(error(2, () -> s.sigactionRestore(new SignalState())).getMessage()).contains("never filled");
        assertThat(error(2, () -> s.sigactionRestore(null)).getMessage()).contains("EINVAL");

        SignalState foreign = new SignalState();
        b.signals().sigactionSupplant(sig -> { }, foreign);
        b.signals().sigactionRestore(foreign);
        assertThat(error(2, () -> s.sigactionRestore(foreign)).getMessage()).contains("another process");

        SignalState mine = new SignalState();
        s.sigactionSupplant(sig -> { }, mine);
        Snapshot supplanted = Snapshot.of(s);
        for (int offset : new int[] {0, 5, 20, 40, SignalStateCodec.LENGTH - 1}) {
            SignalState corrupt = SignalState.wrap(mine.memory().clone());
            corrupt.memory()[offset] ^= 0x10;
            assertThat(error(2, () -> s.sigactionRestore(corrupt)).getMessage()).as("offset " + offset)
                    .containsAnyOf("corrupt", "another process", "never filled");
        }
        SignalState shortOne = SignalState.wrap(java.util.Arrays.copyOf(mine.memory(), 40));
        error(22, () -> s.sigactionRestore(shortOne));
        assertThat(Snapshot.of(s)).as("refusals change nothing").isEqualTo(supplanted);

        error(22, () -> s.sigactionSupplant(sig -> { }, SignalState.wrap(new byte[16])));
        error(2, () -> s.sigactionSupplant(null, new SignalState()));
        error(2, () -> s.sigactionSupplant(sig -> { }, null));
        assertThat(Snapshot.of(s)).as("refusals change nothing").isEqualTo(supplanted);

        s.sigactionRestore(mine);
        assertThat(Snapshot.of(s)).isEqualTo(before);
        a.end();
        b.end();
    }

    @Test
    void loopTimerFiringUnderSupplant_isDeferredUntilRestore() {
        List<String> events = new CopyOnWriteArrayList<>();
        Object r = Scripted.start(g0, 1, null, ctx -> {
            ctx.signals().sigaction(Signal.SIGTIMEOUT, SignalAction.handler(sig -> events.add("timeout")));
            SignalState buffer = new SignalState();
            ctx.signals().sigactionSupplant(sig -> events.add("fault"), buffer);
            ctx.setLoopTimer(2);
            Scripted.await("SIGTIMEOUT pending", BOUND, () -> {
                Scripted.spinCpu(1_000_000);
                return ctx.signals().pending().contains(Signal.SIGTIMEOUT);
            });
            events.add("restore");
            ctx.signals().sigactionRestore(buffer);
            Scripted.await("the handler ran", BOUND, () -> events.contains("timeout"));
            return events;
        }).await();
        assertThat(r).isEqualTo(List.of("restore", "timeout"));
    }

    @Test
    void sigsetjmp_longjmpRestoresTheSavedMask_orTheOneMasksetPutThere() {
        Object r = Scripted.start(g0, 1, null, ctx -> {
            Signals s = ctx.signals();
            List<Object> seen = new ArrayList<>();
            SignalJump env = new SignalJump();
            error(2, () -> s.sigjmpMaskset(env, Set.of()));      // not initialised
            error(2, () -> s.siglongjmp(env));
            s.setMask(EnumSet.of(Signal.SIGUSR1));
            seen.add(s.sigsetjmp(env, true, () -> {
                s.setMask(EnumSet.of(Signal.SIGUSR2));
                error(2, () -> s.sigsetjmp(env, true, () -> { }));   // in use
                s.siglongjmp(env);
            }));
            seen.add(s.mask());                                     // the saved mask is back
            seen.add(s.sigsetjmp(env, true, () -> {
                s.sigjmpMaskset(env, EnumSet.of(Signal.SIGHUP, Signal.SIGKILL));
                try {
                    s.siglongjmp(env);
                } catch (Exception e) {
                    seen.add("a catch-all for Exception must not stop the jump");
                }
            }));
            seen.add(s.mask());
            seen.add(s.sigsetjmp(env, true, () -> {
                s.sigjmpMaskset(env, null);                         // cleared: the mask stays
                s.setMask(EnumSet.of(Signal.SIGALRM));
                s.siglongjmp(env);
            }));
            seen.add(s.mask());
            // Another thread cannot unwind the sigsetjmp's thread.
            seen.add(s.sigsetjmp(env, false, () -> {
                AtomicReference<GuardianException> other = new AtomicReference<>();
                Thread t = new Thread(() -> {
                    try {
                        s.siglongjmp(env);
                    } catch (GuardianException e) {
                        other.set(e);
                    }
                });
                t.start();
                try {
                    t.join(10_000);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                seen.add(other.get() == null ? "no error" : other.get().error());
            }));
            error(2, () -> s.siglongjmp(env));                     // uninitialised again
            return seen;
        }).await();
        assertThat(r).isEqualTo(List.of(true, Set.of(Signal.SIGUSR1), true, Set.of(Signal.SIGHUP), true,
                Set.of(Signal.SIGALRM), 2, false));
    }

    @Test
    void handlerThatThrows_isLogged_andTheProcessCarriesOn() {
        Catcher c = new Catcher().start(1, null);
        c.signals().sigaction(Signal.SIGUSR1, SignalAction.handler(sig -> {
            c.caught.add(sig);
            throw new IllegalStateException("handler bug");
        }));
        g0.kill(c.run.handle(), Signal.SIGUSR1);
        Scripted.await("first", BOUND, () -> c.caught.size() == 1);
        g0.kill(c.run.handle(), Signal.SIGUSR1);
        Scripted.await("second", BOUND, () -> c.caught.size() == 2);
        assertThat(g0.process(c.run.handle())).isPresent();
        c.end();
    }
}
