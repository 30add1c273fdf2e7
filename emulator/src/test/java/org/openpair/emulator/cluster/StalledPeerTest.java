package org.openpair.emulator.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import com.hazelcast.cluster.Address;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.EndpointQualifier;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.internal.nio.Packet;
import com.hazelcast.internal.server.ServerConnectionManager;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.config.NodeConfig;

/**
 * A CPU frozen by SIGSTOP (or a JVM in a long pause) still has a kernel that accepts TCP
 * connections; nobody answers on them. A member that connects to it then, as the engine's master
 * does when it looks for the rest of a split node, starts a handshake that never completes, and
 * Hazelcast 5.7 turns that connection's outbound pipeline into a busy loop on its IO thread: the
 * pipeline reports itself clean with frames still queued and reschedules itself at once, so the
 * thread never returns to its selector. With selection-key wake-ups (the engine's default), other
 * connections on that thread wait for a select that never comes: the healthy CPUs' heartbeats to
 * each other stop, and they declare each other dead while the third CPU is frozen (the "second
 * split" of issue 13, found by thread dumps of a FreezeSplitIT round: an {@code IO.thread-out}
 * at 100% of a core in {@code NioOutboundPipeline.postProcessClean} on both healthy CPUs).
 *
 * <p>The node's member configuration turns those wake-ups off ({@link EngineConfigs}), so a
 * scheduled pipeline is queued as a task, which the looping thread still runs. This test makes
 * the frozen peer with a server socket that accepts and never reads, puts every connection of
 * the two real CPUs on one IO thread each, and checks that the loop happens and that the two
 * CPUs keep each other all the while.
 */
class StalledPeerTest {
    private static final Duration BOUND = Duration.ofSeconds(60);
    /** Well past the heartbeat timeout (5 s) after the loop began. */
    private static final Duration WINDOW = Duration.ofSeconds(12);

    @Test
    void handshakeWithAFrozenPeer_loopsAnIoThread_theHealthyCpusKeepEachOther() throws Exception {
        NodeConfig node = TestNodes.config(3).build();
        HazelcastInstance h0 = Hazelcast.newHazelcastInstance(member(node, 0));
        HazelcastInstance h1 = Hazelcast.newHazelcastInstance(member(node, 1));
        // As each CPU does (Cpu.start).
        Duration bound = StalledHandshakes.boundFor(node.heartbeatTimeoutSeconds());
        StalledHandshakes w0 = StalledHandshakes.watch(h0, bound, "cpu0");
        StalledHandshakes w1 = StalledHandshakes.watch(h1, bound, "cpu1");
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket frozen = new ServerSocket()) {
            TestNodes.await("CPUs 0 and 1 in one cluster", BOUND,
                    () -> h0.getCluster().getMembers().size() == 2 && h1.getCluster().getMembers().size() == 2);
            // CPU 2 appears only now, frozen: the master's search for the rest of the node reaches it.
            String address = node.members().get(2);
            frozen.bind(new InetSocketAddress(InetAddress.getByName(NodeConfig.hostOf(address)),
                    NodeConfig.portOf(address)));
            Thread acceptor = new Thread(() -> acceptForever(frozen, accepted), "frozen-cpu2-kernel");
            acceptor.setDaemon(true);
            acceptor.start();

            TestNodes.await("a connection to the frozen CPU", BOUND, () -> !accepted.isEmpty());
            // A member keeps sending to a peer it still lists (heartbeats, invocations): so does CPU 0 here.
            AtomicBoolean sending = new AtomicBoolean(true);
            Thread sender = new Thread(() -> keepSending(h0, frozen, sending), "cpu0-to-frozen-cpu2");
            sender.setDaemon(true);
            sender.start();
            // And traffic between the healthy CPUs, as under load: enough to fill a socket's buffer
            // at times, so that a pipeline must wait for the selector to say it can write again.
            Thread load = new Thread(() -> keepWriting(h0, sending), "cpu0-load");
            load.setDaemon(true);
            load.start();
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long before = outboundIoCpuNanos(threads, h0) + outboundIoCpuNanos(threads, h1);
            TestNodes.await("an outbound IO thread looping on the unanswered handshake", BOUND, () -> {
                long now = outboundIoCpuNanos(threads, h0) + outboundIoCpuNanos(threads, h1);
                return now - before > Duration.ofMillis(1000).toNanos();
            });

            long end = System.nanoTime() + WINDOW.toNanos();
            while (System.nanoTime() < end) {
                assertThat(h0.getCluster().getMembers()).as("CPU 0's members while CPU 2 is frozen").hasSize(2);
                assertThat(h1.getCluster().getMembers()).as("CPU 1's members while CPU 2 is frozen").hasSize(2);
                Thread.sleep(50);
            }
            sending.set(false);
        } finally {
            w0.close();
            w1.close();
            h0.getLifecycleService().terminate();
            h1.getLifecycleService().terminate();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    /** A CPU's member configuration with all its connections on one IO thread each way. */
    private static Config member(NodeConfig node, int cpu) {
        Config config = TestNodes.memberConfig(node, cpu);
        config.setProperty("hazelcast.io.thread.count", "1");
        config.setProperty("hazelcast.io.balancer.interval.seconds", "-1");
        config.setProperty("hazelcast.merge.first.run.delay.seconds", "1");
        config.setProperty("hazelcast.merge.next.run.delay.seconds", "1");
        return config;
    }

    /** Small urgent frames to the frozen CPU's address, every 20 ms, as long as asked and at most 5 minutes. */
    private static void keepSending(HazelcastInstance h, ServerSocket frozen, AtomicBoolean sending) {
        ServerConnectionManager connections = ((HazelcastInstanceProxy) h).getOriginal().node.getServer()
                .getConnectionManager(EndpointQualifier.MEMBER);
        Address to;
        try {
            to = new Address(frozen.getInetAddress(), frozen.getLocalPort());
        } catch (RuntimeException e) {
            return;
        }
        for (int n = 0; n < 15_000 && sending.get(); n++) {
            connections.transmit(new Packet(new byte[16]).raiseFlags(Packet.FLAG_URGENT), to);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Values of 256 KiB put through CPU 0 (owners and backups on both CPUs), for at most 5 minutes. */
    private static void keepWriting(HazelcastInstance h, AtomicBoolean writing) {
        byte[] value = new byte[256 * 1024];
        long end = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        for (int n = 0; writing.get() && System.nanoTime() < end; n++) {
            try {
                h.getMap("load").set(n % 64, value);
            } catch (RuntimeException e) {
                return;
            }
        }
    }

    private static void acceptForever(ServerSocket server, List<Socket> accepted) {
        for (int n = 0; n < 10_000 && !server.isClosed(); n++) {
            try {
                accepted.add(server.accept());
            } catch (IOException e) {
                return;
            }
        }
    }

    /** CPU time so far of the member's outbound IO threads. */
    private static long outboundIoCpuNanos(ThreadMXBean threads, HazelcastInstance h) {
        long sum = 0;
        String prefix = "hz." + h.getName() + ".IO.thread-out";
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith(prefix)) {
                long t = threads.getThreadCpuTime(info.getThreadId());
                sum += Math.max(0, t);
            }
        }
        return sum;
    }
}
