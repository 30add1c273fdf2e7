package org.openpair.emulator.cluster;

import java.io.IOException;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.nio.serialization.StreamSerializer;

import org.openpair.emulator.codec.Codec;
import org.openpair.emulator.codec.CodecException;

/**
 * Hands one type's encoding to the runtime's codec: the engine stores and ships the codec's bytes
 * under the codec's type id. A codec failure becomes the engine's own exception with the codec's
 * message and no cause: an exception class of ours inside an error response could not be read
 * back by a member that refuses our classes from Java serialization, and the call would wait for
 * its timeout instead of failing.
 */
final class CodecSerializer<T> implements StreamSerializer<T> {
    private final Codec<T> codec;

    CodecSerializer(Codec<T> codec) {
        this.codec = codec;
    }

    @Override
    public int getTypeId() {
        return codec.id();
    }

    @Override
    public void write(ObjectDataOutput out, T value) throws IOException {
        java.nio.ByteBuffer bytes;
        try {
            bytes = codec.encodeView(value);
        } catch (CodecException e) {
            throw new HazelcastSerializationException("cannot encode " + codec + ": " + e.getMessage());
        }
        // What writeByteArray writes (the length, then the bytes), from the encoder's own array
        // without copying it into one of the exact size first.
        out.writeInt(bytes.remaining());
        out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
    }

    @Override
    public T read(ObjectDataInput in) throws IOException {
        byte[] bytes = in.readByteArray();
        if (bytes == null) {
            throw new HazelcastSerializationException("cannot decode " + codec + ": no bytes");
        }
        try {
            return codec.decode(bytes);
        } catch (CodecException e) {
            throw new HazelcastSerializationException("cannot decode " + codec + ": " + e.getMessage());
        }
    }
}
