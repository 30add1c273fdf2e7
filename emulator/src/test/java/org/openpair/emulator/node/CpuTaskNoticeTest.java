package org.openpair.emulator.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.hazelcast.cluster.Member;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;

/**
 * A notification that goes the slow way, through Hazelcast's executor service (the CPU link
 * could not confirm it, or there is none), must not keep the engine's thread: the work it starts
 * can wait on another CPU, a hung one included. It runs on the receiving CPU's own thread, and
 * the executor's task is answered while that work still waits.
 */
class CpuTaskNoticeTest {
    private static final Map<String, CountDownLatch> RELEASE = new ConcurrentHashMap<>();
    private static final Map<String, String> RAN_ON = new ConcurrentHashMap<>();
    private static final long BOUND_SECONDS = 30;

    private EmbeddedNode node;

    /** A notification whose work waits until the test lets it go, as one stuck on a hung CPU would. */
    record Blocking(String key) implements CpuTask.CpuCall<Boolean> {
        @Override
        public Boolean call(CpuService cpu) {
            RAN_ON.put(key, Thread.currentThread().getName());
            try {
                RELEASE.get(key).await(BOUND_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true;
        }
    }

    @AfterEach
    void close() {
        RELEASE.values().forEach(CountDownLatch::countDown);
        RELEASE.clear();
        RAN_ON.clear();
        if (node != null) {
            node.close();
        }
    }

    @Test
    void notificationThroughTheExecutor_runsOnTheCpusOwnThread_notTheEngines() throws Exception {
        node = EmbeddedNode.start(TestNodes.config(2).build(), 2);
        // A router with no CPU of its own and no link: every notification takes Hazelcast's executor.
        CpuRouter viaExecutor = new CpuRouter(new NodeTables(node.cpu(0).hazelcast()), node.config(), null);
        RELEASE.put("a", new CountDownLatch(1));

        viaExecutor.tell(1, new Blocking("a"));

        awaitRan("a");
        assertThat(RAN_ON.get("a")).as("thread the notification ran on").startsWith("cpu1-").doesNotStartWith("hz.");
    }

    @Test
    void notificationThroughTheExecutor_isAnsweredWhileItsWorkStillWaits() throws Exception {
        node = EmbeddedNode.start(TestNodes.config(2).build(), 2);
        CpuRouter router = new CpuRouter(new NodeTables(node.cpu(0).hazelcast()), node.config(), null);
        Member cpu1 = router.upCpus().get(1);
        RELEASE.put("b", new CountDownLatch(1));

        Future<?> answered = node.cpu(0).hazelcast().getExecutorService(NodeTables.CPU_EXECUTOR)
                .submitToMember(CpuTask.notice(new Blocking("b")), cpu1);

        answered.get(BOUND_SECONDS, TimeUnit.SECONDS);
        awaitRan("b");
        assertThat(RELEASE.get("b").getCount()).as("the notification's work is still waiting").isEqualTo(1);
    }

    private static void awaitRan(String key) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_SECONDS);
        while (!RAN_ON.containsKey(key) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(RAN_ON).as("notifications that ran").containsKey(key);
    }
}
