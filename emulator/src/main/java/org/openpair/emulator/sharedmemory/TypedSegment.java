package org.openpair.emulator.sharedmemory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.SegmentHolder;
import org.openpair.guardian.SegmentLayout;
import org.openpair.guardian.SegmentRecovery;

/**
 * The API's {@link org.openpair.guardian.SharedSegment}: a {@link SharedSegment} whose data is
 * laid out by a {@link SegmentLayout} (recorded in the segment, so a second opener with another
 * layout is refused), whose lockers record themselves for {@link #holder()}, and whose lock
 * marks the mutex consistent itself after an owner death, since the undo log has already put
 * every byte it guards back to the last commit. Opened in the caller's own process by hosted
 * and attached programs alike ({@code ProcessContext.sharedSegment}): no call to the CPU.
 *
 * <p>The file of segment {@code NAME} of node {@code \NODE} is {@code openpair-seg-NODE-NAME}
 * in {@code /dev/shm} (the temporary directory where there is none).
 */
public final class TypedSegment implements org.openpair.guardian.SharedSegment {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** How long a blocking lock waits natively before it looks at its thread's interrupt flag. */
    private static final Duration SLICE = Duration.ofMillis(100);

    private final SharedSegment raw;
    private final String node;
    private final String name;
    private final SegmentLayout layout;
    private final ProcessHandle self;

    private TypedSegment(SharedSegment raw, String node, String name, SegmentLayout layout, ProcessHandle self) {
        this.raw = raw;
        this.node = node;
        this.name = name;
        this.layout = layout;
        this.self = self;
    }

    /**
     * Opens or creates segment {@code name} of {@code node} with {@code layout}, for the process
     * {@code self} (null for a tool of the node that is not a Guardian process, such as a
     * {@code guardian} command).
     *
     * @throws GuardianException 13 bad name; 12 another layout; and as {@link SharedSegment#open}
     */
    public static TypedSegment open(String node, String name, SegmentLayout layout, ProcessHandle self) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(layout, "layout");
        return new TypedSegment(SharedSegment.open(path(node, name), layout.size(), layout.descriptor()), node, name,
                layout, self);
    }

    /**
     * The file of segment {@code name} of {@code node}.
     *
     * @throws GuardianException 13 the name is not 1-64 letters, digits, '.', '_' or '-'
     */
    public static Path path(String node, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new GuardianException(GuardianError.BAD_NAME, "a segment name is 1-64 letters, digits, '.', '_' or "
                    + "'-': " + (name == null ? "null" : "'" + name + "'"));
        }
        Path shm = Path.of("/dev/shm");
        Path dir = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return dir.resolve("openpair-seg-" + node + "-" + name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SegmentLayout layout() {
        return layout;
    }

    SharedSegment raw() {
        return raw;
    }

    /** The segment's file. */
    public Path file() {
        return raw.file();
    }

    @Override
    public org.openpair.guardian.SegmentLock lock() {
        while (true) {
            Optional<org.openpair.guardian.SegmentLock> l = locked(raw.tryLock(SLICE));
            if (l.isPresent()) {
                return l.get();
            }
            requireNotInterrupted();
        }
    }

    @Override
    public Optional<org.openpair.guardian.SegmentLock> tryLock(Duration timeout) {
        if (timeout.isNegative()) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "a negative timeout: " + timeout);
        }
        if (timeout.isZero()) {
            return locked(raw.tryLock(Duration.ZERO));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return locked(raw.tryLock(Duration.ZERO));
            }
            Optional<org.openpair.guardian.SegmentLock> l = locked(raw.tryLock(Duration.ofNanos(Math.min(left,
                    SLICE.toNanos()))));
            if (l.isPresent()) {
                return l;
            }
            requireNotInterrupted();
        }
    }

    private static void requireNotInterrupted() {
        if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new GuardianException(GuardianError.TIMED_OUT, "interrupted while waiting for a segment's lock");
        }
    }

    /**
     * Takes over a lock the raw segment granted: reads who died (its record is still there, as
     * it never cleared it), marks the mutex consistent, records the recovery, then itself.
     */
    private Optional<org.openpair.guardian.SegmentLock> locked(Optional<SegmentLock> granted) {
        if (granted.isEmpty()) {
            return Optional.empty();
        }
        SegmentLock l = granted.get();
        Holders.Who me = Holders.Who.of(self, java.lang.ProcessHandle.current().pid(), System.currentTimeMillis());
        SegmentHolder dead = null;
        if (l.ownerDied()) {
            Holders.Who who = Holders.recorded(raw);
            dead = who.holder(node, true, l.rolledBack());
            l.markConsistent();
            Holders.recordRecovery(raw, who, me, me.sinceMillis(), l.rolledBack());
        }
        Holders.record(raw, me);
        return Optional.of(new TypedLock(raw, layout, l, dead));
    }

    @Override
    public Optional<SegmentHolder> holder() {
        return Holders.holder(raw, node);
    }

    @Override
    public Optional<SegmentRecovery> lastRecovery() {
        return Holders.lastRecovery(raw, node);
    }

    @Override
    public long commits() {
        return raw.commits();
    }

    @Override
    public long recoveries() {
        return raw.recoveries();
    }

    @Override
    public void remove() {
        SharedSegment.unlink(raw.file());
    }

    @Override
    public String toString() {
        return "segment " + name + " " + layout;
    }
}
