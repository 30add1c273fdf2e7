package org.openpair.emulator.cluster;

import java.util.concurrent.Callable;

import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.Scalars;

/**
 * The yardstick task of {@code guardian bench writeread} ({@code bench.RemoteCallBaseline}): it
 * returns the bytes it carries, so a call costs the engine's request, a run on its executor and
 * the answer back, with an encoding as cheap as the engine's own (its length, then its bytes).
 */
public final class EchoTask implements Callable<byte[]> {
    static final Codec<EchoTask> CODEC = Codec.of(602, EchoTask.class,
            (out, e) -> out.value(Scalars.BYTES, e.payload),
            in -> new EchoTask(in.value(Scalars.BYTES)));

    private final byte[] payload;

    public EchoTask(byte[] payload) {
        this.payload = payload;
    }

    @Override
    public byte[] call() {
        return payload;
    }
}
