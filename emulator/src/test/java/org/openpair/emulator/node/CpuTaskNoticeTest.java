package org.openpair.emulator.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;


import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.TestNodes;
import org.openpair.emulator.cpu.EmbeddedNode;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.Program;
import org.openpair.guardian.SpawnRequest;

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

    /** Which latch the next {@link Blocking} program's constructor waits on. */
    private static volatile String nextKey;

    /**
     * A hosted program whose constructor waits until the test lets it go. A spawn constructs the
     * program on the thread that runs the call, so a spawn of it is a notification whose work
     * waits, as one stuck on a hung CPU would; and it is a real call, which the node's codec
     * carries (a call class of the test's own would not cross).
     */
    public static final class Blocking implements GuardianProgram {
        public Blocking() {
            String key = nextKey;
            RAN_ON.put(key, Thread.currentThread().getName());
            try {
                RELEASE.get(key).await(BOUND_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void run(ProcessContext context) {
        }
    }

    private static CpuTask.Spawn blocking(String key) {
        RELEASE.put(key, new CountDownLatch(1));
        nextKey = key;
        return new CpuTask.Spawn(SpawnRequest.of(Program.hosted(Blocking.class)).cpu(1).build(), null);
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
        CpuRouter viaExecutor = new CpuRouter(new NodeTables(node.cpu(0).engine()), node.config(), null);
        viaExecutor.tell(1, blocking("a"));

        awaitRan("a");
        assertThat(RAN_ON.get("a")).as("thread the notification ran on").startsWith("cpu1-").doesNotStartWith("hz.");
    }

    @Test
    void notificationThroughTheExecutor_isAnsweredWhileItsWorkStillWaits() throws Exception {
        node = EmbeddedNode.start(TestNodes.config(2).build(), 2);
        CpuRouter router = new CpuRouter(new NodeTables(node.cpu(0).engine()), node.config(), null);
        java.util.UUID cpu1Id = router.upCpus().get(1).member();
        CpuTask.Spawn call = blocking("b");

        CpuTask.Reply<?> answered = node.cpu(0).engine().call(cpu1Id, CpuTask.notice(call),
                TimeUnit.SECONDS.toMillis(BOUND_SECONDS));

        assertThat(answered.error()).isZero();
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
