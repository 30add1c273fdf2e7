package org.openpair.emulator.sharedmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.os.NativeOs;
import org.openpair.emulator.os.RobustMutexes;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.SegmentHolder;
import org.openpair.guardian.SegmentLayout;
import org.openpair.guardian.SegmentLayout.Field;
import org.openpair.guardian.SegmentLock;
import org.openpair.guardian.SegmentRecovery;

/**
 * The API's shared segment on the emulator's implementation: typed fields by name, every bad
 * field access and bad layout with its Guardian error and nothing written, a second opener with
 * another layout refused, and "who holds the lock" read without the lock, for a live holder in
 * this JVM and for a holder in another OS process killed with kill -9 mid-update.
 */
class TypedSegmentTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private final String node = "T" + java.lang.ProcessHandle.current().pid() + "X" + System.nanoTime();
    private final ProcessHandle me = new ProcessHandle(node, 1, 7, 99);
    private final List<Process> workers = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();

    @AfterEach
    void clean() throws InterruptedException {
        for (Process p : workers) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        files.forEach(SharedSegment::unlink);
    }

    private TypedSegment open(String name, SegmentLayout layout) {
        files.add(TypedSegment.path(node, name));
        return TypedSegment.open(node, name, layout, me);
    }

    @Test
    void fields_roundTripByNameAndType_andAFreshSegmentIsAllZero() {
        TypedSegment seg = open("rt", TypedWorker.LAYOUT);
        try (SegmentLock l = seg.lock()) {
            assertThat(l.ownerDied()).isFalse();
            assertThat(l.rolledBack()).isFalse();
            assertThat(l.deadHolder()).isEmpty();
            assertThat(l.getLong("a")).isZero();
            assertThat(l.getInt("n")).isZero();
            assertThat(l.getBytes("raw")).containsExactly(0, 0, 0, 0, 0);
            assertThat(l.getString("note")).isEmpty();
            l.putLong("a", Long.MIN_VALUE);
            l.putLong("b", 42);
            l.putInt("n", -3);
            l.putBytes("raw", new byte[]{9, 8});
            l.putString("note", "grüße €");
            l.commit();
        }
        TypedSegment other = TypedSegment.open(node, "rt", TypedWorker.LAYOUT, null);
        try (SegmentLock l = other.lock()) {
            assertThat(l.getLong("a")).isEqualTo(Long.MIN_VALUE);
            assertThat(l.getLong("b")).isEqualTo(42);
            assertThat(l.getInt("n")).isEqualTo(-3);
            assertThat(l.getBytes("raw")).containsExactly(9, 8, 0, 0, 0);
            assertThat(l.getString("note")).isEqualTo("grüße €");
        }
        assertThat(other.commits()).isEqualTo(1);
        assertThat(other.layout()).isEqualTo(TypedWorker.LAYOUT);
        assertThat(other.name()).isEqualTo("rt");
    }

    @Test
    void closeWithoutCommit_undoesEveryTypedWrite() {
        TypedSegment seg = open("undo", TypedWorker.LAYOUT);
        try (SegmentLock l = seg.lock()) {
            l.putLong("a", 100);
            l.putString("note", "kept");
            l.commit();
        }
        try (SegmentLock l = seg.lock()) {
            l.putLong("a", 1);
            l.putString("note", "a longer text");
            l.putBytes("raw", new byte[]{1});
        }
        try (SegmentLock l = seg.lock()) {
            assertThat(l.getLong("a")).isEqualTo(100);
            assertThat(l.getString("note")).isEqualTo("kept");
            assertThat(l.getBytes("raw")).containsOnly(0);
        }
    }

    @Test
    void badFieldAccess_getsItsGuardianError_writesNothing_andTheSegmentKeepsServing() {
        TypedSegment seg = open("bad", TypedWorker.LAYOUT);
        try (SegmentLock l = seg.lock()) {
            l.putLong("a", 7);
            l.putString("note", "seven");
            l.commit();
            expect(GuardianError.NOT_FOUND, () -> l.getLong("c"));
            expect(GuardianError.NOT_FOUND, () -> l.putInt("A", 1));
            expect(GuardianError.NOT_FOUND, () -> l.getString(""));
            expect(GuardianError.INVALID_OPERATION, () -> l.getInt("a"));
            expect(GuardianError.INVALID_OPERATION, () -> l.putLong("n", 1));
            expect(GuardianError.INVALID_OPERATION, () -> l.putString("raw", "x"));
            expect(GuardianError.INVALID_OPERATION, () -> l.getBytes("note"));
            expect(GuardianError.BOUNDS, () -> l.putBytes("raw", new byte[6]));
            expect(GuardianError.BOUNDS, () -> l.putString("note", "x".repeat(21)));
            expect(GuardianError.BOUNDS, () -> l.putString("note", "€".repeat(7)));   // 21 UTF-8 bytes
            l.putString("note", "€".repeat(6));                                        // 18: fits
            l.commit();
        }
        try (SegmentLock l = seg.lock()) {
            assertThat(l.getLong("a")).isEqualTo(7);
            assertThat(l.getString("note")).isEqualTo("€".repeat(6));
            assertThat(l.getBytes("raw")).containsOnly(0);
        }
        assertThat(seg.commits()).isEqualTo(2);
    }

    @Test
    void lifecycleMisuse_isAnIllegalStateException_andTheLockStaysTheOwnersToClose() throws Exception {
        TypedSegment seg = open("life", TypedWorker.LAYOUT);
        SegmentLock l = seg.lock();
        CompletableFuture<Throwable> elsewhere = CompletableFuture.supplyAsync(() -> {
            try {
                l.close();
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        assertThat(elsewhere.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("thread that took it");
        assertThat(seg.holder()).map(SegmentHolder::process).hasValue(me);
        l.putLong("a", 3);
        l.commit();
        l.close();
        l.close();                      // a second close does nothing
        assertThatThrownBy(() -> l.getLong("a")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(l::commit).isInstanceOf(IllegalStateException.class);
        expect(GuardianError.INVALID_OPERATION, () -> seg.tryLock(Duration.ofMillis(-1)));
        try (SegmentLock again = seg.tryLock(Duration.ZERO).orElseThrow()) {
            assertThat(again.getLong("a")).isEqualTo(3);
        }
    }

    @Test
    void badNamesAndLayouts_getTheirGuardianErrors_andCreateNoFile() {
        for (String bad : new String[]{"", "a/b", "sp ace", "x".repeat(65), "ä"}) {
            expect(GuardianError.BAD_NAME, () -> TypedSegment.open(node, bad, TypedWorker.LAYOUT, me));
        }
        expect(GuardianError.BAD_NAME, () -> TypedSegment.open(node, null, TypedWorker.LAYOUT, me));
        expect(GuardianError.BAD_NAME, () -> Field.int64("9lives"));
        expect(GuardianError.BAD_NAME, () -> Field.int64("has-dash"));
        expect(GuardianError.BAD_NAME, () -> Field.int32("x".repeat(33)));
        expect(GuardianError.INVALID_OPERATION, () -> Field.bytes("b", 0));
        expect(GuardianError.INVALID_OPERATION, () -> Field.string("s", SegmentLayout.MAX_FIELD_BYTES + 1));
        expect(GuardianError.INVALID_OPERATION, () -> new Field("i", SegmentLayout.Type.INT64, 4));
        expect(GuardianError.INVALID_OPERATION, SegmentLayout::of);
        expect(GuardianError.INVALID_OPERATION, () -> SegmentLayout.of(Field.int64("a"), Field.int32("a")));
        Field[] many = new Field[SegmentLayout.MAX_FIELDS + 1];
        for (int i = 0; i < many.length; i++) {
            many[i] = Field.int32("f" + i);
        }
        expect(GuardianError.INVALID_OPERATION, () -> SegmentLayout.of(many));
        assertThat(SegmentLayout.of(java.util.Arrays.copyOf(many, SegmentLayout.MAX_FIELDS)).fields()).hasSize(64);
        expect(GuardianError.NOT_FOUND, () -> TypedWorker.LAYOUT.offset("zz"));
        assertThat(Files.exists(TypedSegment.path(node, "x"))).isFalse();
    }

    @Test
    void layout_placesFieldsAtTheirNaturalAlignment() {
        SegmentLayout l = SegmentLayout.of(Field.int32("i"), Field.int64("l"), Field.bytes("b", 3), Field.string("s", 5),
                Field.int32("j"));
        assertThat(List.of(l.offset("i"), l.offset("l"), l.offset("b"), l.offset("s"), l.offset("j")))
                .containsExactly(0, 8, 16, 20, 32);
        assertThat(l.size()).isEqualTo(40);
        assertThat(l.descriptor()).isEqualTo("i:int32,l:int64,b:bytes[3],s:string[5],j:int32");
    }

    @Test
    void anotherLayout_isRefusedWith12NamingBoth_andTheFirstOpenerKeepsServing() {
        TypedSegment seg = open("mix", TypedWorker.LAYOUT);
        try (SegmentLock l = seg.lock()) {
            l.putLong("a", 11);
            l.commit();
        }
        SegmentLayout sameSize = SegmentLayout.of(Field.int64("a"), Field.int64("b"), Field.int32("m"),
                Field.bytes("raw", 5), Field.string("note", 20));
        assertThat(sameSize.size()).isEqualTo(TypedWorker.LAYOUT.size());
        SegmentLayout otherSize = SegmentLayout.of(Field.int64("a"));
        for (SegmentLayout other : List.of(sameSize, otherSize)) {
            assertThatThrownBy(() -> TypedSegment.open(node, "mix", other, me)).isInstanceOfSatisfying(
                    GuardianException.class, e -> {
                        assertThat(e.guardianError()).isEqualTo(GuardianError.IN_USE);
                        assertThat(e.getMessage()).contains(TypedWorker.LAYOUT.descriptor()).contains(other.descriptor());
                    });
        }
        try (SegmentLock l = seg.lock()) {
            assertThat(l.getLong("a")).isEqualTo(11);
        }
        assertThat(TypedSegment.open(node, "mix", SegmentLayout.of(TypedWorker.LAYOUT.fields().toArray(Field[]::new)), me)
                .commits()).isEqualTo(1);
    }

    @Test
    void holder_isReadWithoutTheLock_fromTakingItToUnlocking() throws Exception {
        TypedSegment seg = open("who", TypedWorker.LAYOUT);
        assertThat(seg.holder()).isEmpty();
        Instant before = Instant.now().minusMillis(1);
        AtomicReference<Optional<SegmentHolder>> seenElsewhere = new AtomicReference<>();
        try (SegmentLock l = seg.lock()) {
            SegmentHolder h = seg.holder().orElseThrow();
            assertThat(h.process()).isEqualTo(me);
            assertThat(h.pid()).isEqualTo(java.lang.ProcessHandle.current().pid());
            assertThat(h.since()).isBetween(before, Instant.now());
            assertThat(h.died()).isFalse();
            assertThat(h.updating()).isFalse();
            l.putLong("a", 1);
            Thread reader = new Thread(() -> seenElsewhere.set(seg.holder()));
            reader.start();
            reader.join(10_000);
            assertThat(seenElsewhere.get()).hasValueSatisfying(o -> assertThat(o.updating()).isTrue());
            l.commit();
            assertThat(seg.holder().orElseThrow().updating()).isFalse();
        }
        assertThat(seg.holder()).isEmpty();
        assertThat(Holders.owner(seg.raw())).isEqualTo(RobustMutexes.Owner.NONE);
        assertThat(seg.lastRecovery()).isEmpty();
    }

    @Test
    void holderKilledMidUpdate_isReportedDead_thenTheNextLockerIsToldAndFindsItRolledBack() throws Exception {
        TypedSegment seg = open("kill", TypedWorker.LAYOUT);
        try (SegmentLock l = seg.lock()) {
            l.putLong("a", 1000);
            l.commit();
        }
        Process w = worker("kill", "half");
        ProcessHandle workerHandle = new ProcessHandle(node, 3, 42, 777);
        await("the worker to hold the lock mid-update", () -> seg.holder().filter(h -> h.pid() == w.pid()
                && h.updating() && !h.died()).isPresent());
        assertThat(seg.holder().orElseThrow().process()).isEqualTo(workerHandle);
        assertThat(Holders.owner(seg.raw())).isEqualTo(RobustMutexes.Owner.LIVE);
        assertThat(seg.tryLock(Duration.ZERO)).isEmpty();

        NativeOs.get().kill(w.pid(), NativeOs.SIGKILL);
        assertThat(w.waitFor(30, TimeUnit.SECONDS)).isTrue();
        await("the holder to be reported dead", () -> seg.holder().filter(SegmentHolder::died).isPresent());
        SegmentHolder dead = seg.holder().orElseThrow();
        // Told by the kernel's mark on the mutex, not merely guessed from the pid being gone.
        assertThat(Holders.owner(seg.raw())).isEqualTo(RobustMutexes.Owner.DIED);
        assertThat(dead.pid()).isEqualTo(w.pid());
        assertThat(dead.updating()).isTrue();

        try (SegmentLock l = seg.tryLock(BOUND).orElseThrow()) {
            assertThat(l.ownerDied()).isTrue();
            assertThat(l.rolledBack()).isTrue();
            assertThat(l.deadHolder()).hasValueSatisfying(d -> {
                assertThat(d.process()).isEqualTo(workerHandle);
                assertThat(d.pid()).isEqualTo(w.pid());
            });
            assertThat(l.getLong("a")).isEqualTo(1000);
            assertThat(seg.holder().orElseThrow().process()).isEqualTo(me);
            l.putLong("a", 990);
            l.putLong("b", 10);
            l.commit();
        }
        SegmentRecovery r = seg.lastRecovery().orElseThrow();
        assertThat(r.dead().process()).isEqualTo(workerHandle);
        assertThat(r.dead().pid()).isEqualTo(w.pid());
        assertThat(r.recoveredBy()).isEqualTo(me);
        assertThat(r.rolledBack()).isTrue();
        assertThat(seg.recoveries()).isEqualTo(1);
        assertThat(seg.holder()).isEmpty();
        try (SegmentLock l = seg.lock()) {
            assertThat(l.ownerDied()).isFalse();            // marked consistent by the lock itself
            assertThat(l.getLong("a") + l.getLong("b")).isEqualTo(1000);
        }
    }

    @Test
    void holderKilledAfterItsCommit_isToldAsADeath_withNothingRolledBack() throws Exception {
        TypedSegment seg = open("late", TypedWorker.LAYOUT);
        Process w = worker("late", "committed");
        await("the worker to commit and keep holding", () -> seg.holder().filter(h -> h.pid() == w.pid()
                && !h.updating()).isPresent() && seg.commits() == 1);
        NativeOs.get().kill(w.pid(), NativeOs.SIGKILL);
        try (SegmentLock l = seg.tryLock(BOUND).orElseThrow()) {
            assertThat(l.ownerDied()).isTrue();
            assertThat(l.rolledBack()).isFalse();
            assertThat(l.getLong("a")).isEqualTo(-5);
            assertThat(l.getLong("b")).isEqualTo(5);
        }
        assertThat(seg.lastRecovery()).hasValueSatisfying(r -> assertThat(r.rolledBack()).isFalse());
    }

    @Test
    void aLockWaitingForAnotherHolder_endsWithError40WhenItsThreadIsInterrupted() throws Exception {
        TypedSegment seg = open("intr", TypedWorker.LAYOUT);
        try (SegmentLock held = seg.lock()) {
            CompletableFuture<Throwable> waiter = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    seg.lock().close();
                    waiter.complete(null);
                } catch (RuntimeException e) {
                    waiter.complete(e);
                }
            });
            t.start();
            t.interrupt();
            assertThat(waiter.get(30, TimeUnit.SECONDS)).isInstanceOfSatisfying(GuardianException.class,
                    e -> assertThat(e.guardianError()).isEqualTo(GuardianError.TIMED_OUT));
            assertThat(seg.holder().orElseThrow().process()).isEqualTo(me);
            assertThat(seg.tryLock(Duration.ofMillis(50))).isEmpty();   // on this thread: the mutex is not recursive
        }
        assertThat(seg.holder()).isEmpty();
    }

    private Process worker(String name, String mode) throws IOException {
        Process p = TypedWorker.start(node, name, mode);
        workers.add(p);
        return p;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + BOUND.toSeconds() + " s: " + what);
            }
            Thread.sleep(2);
        }
    }

    private static void expect(GuardianError error, Runnable call) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(GuardianException.class,
                e -> assertThat(e.guardianError()).as(e.getMessage()).isEqualTo(error));
    }
}
