package org.openpair.emulator.cluster;

import java.io.IOException;
import java.util.concurrent.Callable;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.nio.serialization.StreamSerializer;

/**
 * Runs a {@link MemberCall} as a task of the engine's executor on the target member. What
 * travels is the call itself, by the runtime's codec.
 */
final class EngineCall<R> implements Callable<R>, HazelcastInstanceAware {
    /** This wrapper's serializer id, in the block of the cluster package's own types. */
    static final int TYPE_ID = 611;

    private final MemberCall<R> call;
    private HazelcastInstance here;

    EngineCall(MemberCall<R> call) {
        this.call = call;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance instance) {
        this.here = instance;
    }

    @Override
    public R call() {
        return call.runOn(new Engine(here));
    }

    /** Writes the inner call, which the engine encodes by that call's own codec. */
    static final class Serializer implements StreamSerializer<EngineCall<?>> {
        @Override
        public int getTypeId() {
            return TYPE_ID;
        }

        @Override
        public void write(ObjectDataOutput out, EngineCall<?> c) throws IOException {
            out.writeObject(c.call);
        }

        @Override
        public EngineCall<?> read(ObjectDataInput in) throws IOException {
            Object inner = in.readObject();
            if (!(inner instanceof MemberCall<?> c)) {
                throw new HazelcastSerializationException("an engine call carries a member call, not "
                        + (inner == null ? "null" : inner.getClass().getName()));
            }
            return new EngineCall<>(c);
        }
    }
}
