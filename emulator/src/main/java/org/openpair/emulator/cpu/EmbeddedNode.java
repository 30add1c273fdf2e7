package org.openpair.emulator.cpu;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.openpair.emulator.config.NodeConfig;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * Several CPUs of one node in this JVM: the quick start ({@code guardian node up}) and the
 * in-JVM test fixture. CPUs start one after another, since the first forms the cluster.
 */
public final class EmbeddedNode implements AutoCloseable {
    private final NodeConfig config;
    private final Map<Integer, Cpu> cpus = Collections.synchronizedMap(new TreeMap<>());

    private EmbeddedNode(NodeConfig config) {
        this.config = config;
    }

    /** Starts the given CPUs; on any failure stops those already started and rethrows. */
    public static EmbeddedNode start(NodeConfig config, List<Integer> cpuNumbers) {
        EmbeddedNode node = new EmbeddedNode(config);
        try {
            for (int n : cpuNumbers) {
                node.startCpu(n);
            }
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    /** Starts CPUs 0..count-1. */
    public static EmbeddedNode start(NodeConfig config, int count) {
        List<Integer> numbers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            numbers.add(i);
        }
        return start(config, numbers);
    }

    public Cpu startCpu(int number) {
        Cpu cpu = Cpu.start(config, number);
        cpus.put(number, cpu);
        return cpu;
    }

    public NodeConfig config() {
        return config;
    }

    /** A running CPU of this JVM. */
    public Cpu cpu(int number) {
        Cpu cpu = cpus.get(number);
        if (cpu == null || !cpu.isRunning()) {
            throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + number + " is not running in this JVM");
        }
        return cpu;
    }

    /** The operator's Guardian procedures through the lowest running CPU. */
    public Guardian guardian() {
        synchronized (cpus) {
            for (Cpu cpu : cpus.values()) {
                if (cpu.isRunning()) {
                    return cpu.guardian();
                }
            }
        }
        throw new GuardianException(GuardianError.DEVICE_DOWN, "no CPU of this node is running in this JVM");
    }

    public List<Cpu> cpus() {
        synchronized (cpus) {
            return List.copyOf(cpus.values());
        }
    }

    @Override
    public void close() {
        List<Cpu> all;
        synchronized (cpus) {
            all = new ArrayList<>(cpus.values());
        }
        Collections.reverse(all);
        for (Cpu cpu : all) {
            cpu.shutdown();
        }
    }
}
