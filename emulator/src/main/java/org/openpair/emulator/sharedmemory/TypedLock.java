package org.openpair.emulator.sharedmemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.SegmentHolder;
import org.openpair.guardian.SegmentLayout;
import org.openpair.guardian.SegmentLayout.Field;
import org.openpair.guardian.SegmentLayout.Type;

/**
 * The API's {@link org.openpair.guardian.SegmentLock}: fields by name over a {@link SegmentLock}'s
 * offsets, each access checked against the layout before anything is read or written. It is
 * bound to the thread that locked, as the mutex is: a use from another thread is refused here
 * rather than failing in pthread_mutex_unlock after the holder record was already cleared.
 */
final class TypedLock implements org.openpair.guardian.SegmentLock {
    private final SharedSegment raw;
    private final SegmentLayout layout;
    private final SegmentLock lock;
    private final SegmentHolder dead;
    private final Thread owner = Thread.currentThread();

    TypedLock(SharedSegment raw, SegmentLayout layout, SegmentLock lock, SegmentHolder dead) {
        this.raw = raw;
        this.layout = layout;
        this.lock = lock;
        this.dead = dead;
    }

    @Override
    public boolean ownerDied() {
        return lock.ownerDied();
    }

    @Override
    public boolean rolledBack() {
        return lock.rolledBack();
    }

    @Override
    public Optional<SegmentHolder> deadHolder() {
        return Optional.ofNullable(dead);
    }

    @Override
    public int getInt(String field) {
        return lock.getInt(at(field, Type.INT32));
    }

    @Override
    public long getLong(String field) {
        return lock.getLong(at(field, Type.INT64));
    }

    @Override
    public byte[] getBytes(String field) {
        int at = at(field, Type.BYTES);
        return lock.get(at, length(field));
    }

    @Override
    public String getString(String field) {
        int at = at(field, Type.STRING);
        int len = lock.getInt(at);
        // Only a commit makes a string visible with its length, but a torn length must not throw here.
        int safe = Math.max(0, Math.min(len, length(field)));
        return new String(lock.get(at + 4, safe), StandardCharsets.UTF_8);
    }

    @Override
    public void putInt(String field, int value) {
        lock.putInt(at(field, Type.INT32), value);
    }

    @Override
    public void putLong(String field, long value) {
        lock.putLong(at(field, Type.INT64), value);
    }

    @Override
    public void putBytes(String field, byte[] value) {
        int at = at(field, Type.BYTES);
        int length = length(field);
        if (value.length > length) {
            throw new GuardianException(GuardianError.BOUNDS, value.length + " bytes do not fit field " + field + " of "
                    + length + " bytes");
        }
        lock.put(at, Arrays.copyOf(value, length));
    }

    @Override
    public void putString(String field, String value) {
        int at = at(field, Type.STRING);
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > length(field)) {
            throw new GuardianException(GuardianError.BOUNDS, "text of " + utf8.length + " UTF-8 bytes does not fit "
                    + "field " + field + " of " + length(field) + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate(4 + utf8.length).order(ByteOrder.nativeOrder());
        b.putInt(utf8.length).put(utf8);
        lock.put(at, b.array());
    }

    @Override
    public void commit() {
        onOwnerThread();
        lock.commit();
    }

    @Override
    public void close() {
        if (lock.closed()) {
            return;
        }
        onOwnerThread();
        // Cleared before the unlock, so that no reader ever finds this holder's record on a later holder.
        Holders.clear(raw);
        lock.close();
    }

    /** The field's offset, once it is known to exist with that type. */
    private int at(String name, Type type) {
        onOwnerThread();
        if (lock.closed()) {
            throw new IllegalStateException("the lock of segment " + raw.file().getFileName() + " was closed");
        }
        Field f = layout.field(name).orElseThrow(() -> new GuardianException(GuardianError.NOT_FOUND,
                "the segment's layout " + layout + " has no field '" + name + "'"));
        if (f.type() != type) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "field " + name + " is "
                    + f.type().name().toLowerCase() + ", not " + type.name().toLowerCase());
        }
        return layout.offset(name);
    }

    private int length(String name) {
        return layout.field(name).orElseThrow().length();
    }

    private void onOwnerThread() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a segment lock is used and closed on the thread that took it (" + owner.getName()
                    + "), not on " + Thread.currentThread().getName());
        }
    }
}
