package org.openpair.emulator.semaphores;

import java.util.concurrent.TimeUnit;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;

import org.openpair.emulator.cluster.Engine;
import org.openpair.emulator.cluster.EngineConfigs;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.config.NodeConfig;
import org.openpair.emulator.procedures.NodeGuardian;
import org.openpair.emulator.node.NodeTables;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessInfo;

/**
 * An OS process (spawned by a CPU, so it has a process handle) that joins the node as a
 * Hazelcast client, finds its own handle by its pid, acquires permits of a semaphore as itself
 * and holds them until it is killed. Args: node, base port, CPUs, semaphore, permits.
 */
public final class SemClientMain {
    private SemClientMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        NodeConfig config = NodeConfig.builder().nodeName(args[0]).basePort(Integer.parseInt(args[1]))
                .cpus(Integer.parseInt(args[2])).build();
        HazelcastInstance client = HazelcastClient.newHazelcastClient(EngineConfigs.client(NodeEngineSettings.of(config), 20_000));
        NodeTables tables = new NodeTables(new Engine(client));
        long pid = java.lang.ProcessHandle.current().pid();
        ProcessHandle self = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (self == null && System.nanoTime() < deadline) {
            for (ProcessInfo p : tables.processes().values()) {
                if (p.pid() == pid) {
                    self = p.handle();
                }
            }
            if (self == null) {
                Thread.sleep(20);
            }
        }
        if (self == null) {
            System.out.println("no process entry with pid " + pid);
            System.exit(3);
        }
        var sem = new NodeGuardian(tables, config, self, null,
                new org.openpair.emulator.messages.RequesterLinks(tables, config.nodeName())).semaphore(args[3]);
        var a = sem.acquire(Integer.parseInt(args[4]));
        System.out.println("HELD " + a);
        System.out.flush();
        Thread.sleep(TimeUnit.MINUTES.toMillis(10));
        System.exit(4);
    }
}
