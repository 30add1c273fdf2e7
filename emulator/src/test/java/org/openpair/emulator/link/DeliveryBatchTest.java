package org.openpair.emulator.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Wake-ups deferred to the end of a link delivery ({@link DeliveryBatch#wakeAfter}): the thread
 * a delivery feeds is woken once for all its frames, never left asleep.
 */
class DeliveryBatchTest {
    private final List<String> ran = new ArrayList<>();

    @Test
    void outsideADelivery_theWakeRunsAtOnce() {
        DeliveryBatch.wakeAfter(() -> ran.add("now"));
        assertThat(ran).containsExactly("now");
    }

    @Test
    void inADelivery_eachWakeRunsOnceAtItsEnd_inTheOrderFirstGiven() {
        Runnable a = () -> ran.add("a");
        Runnable b = () -> ran.add("b");
        DeliveryBatch batch = DeliveryBatch.begin();
        DeliveryBatch.wakeAfter(a);
        DeliveryBatch.wakeAfter(b);
        DeliveryBatch.wakeAfter(a);
        assertThat(ran).isEmpty();
        batch.end();
        assertThat(ran).containsExactly("a", "b");
        // The next delivery starts with nothing deferred.
        DeliveryBatch.begin().end();
        assertThat(ran).containsExactly("a", "b");
    }

    @Test
    void aNestedDelivery_defersToTheOutermostEnd() {
        DeliveryBatch outer = DeliveryBatch.begin();
        DeliveryBatch inner = DeliveryBatch.begin();
        DeliveryBatch.wakeAfter(() -> ran.add("inner"));
        inner.end();
        assertThat(ran).isEmpty();
        outer.end();
        assertThat(ran).containsExactly("inner");
    }

    @Test
    void aWakeThatFails_doesNotKeepTheOthersFromRunning() {
        DeliveryBatch batch = DeliveryBatch.begin();
        DeliveryBatch.wakeAfter(() -> {
            throw new IllegalStateException("a broken wake-up (expected by the test)");
        });
        DeliveryBatch.wakeAfter(() -> ran.add("after"));
        batch.end();
        assertThat(ran).containsExactly("after");
        DeliveryBatch.begin().end();
        assertThat(ran).containsExactly("after");
    }

    @Test
    void aWakeGivenWhileTheWakesRun_runsAtOnce() {
        DeliveryBatch batch = DeliveryBatch.begin();
        DeliveryBatch.wakeAfter(() -> {
            ran.add("first");
            DeliveryBatch.wakeAfter(() -> ran.add("given by the first"));
        });
        batch.end();
        assertThat(ran).containsExactly("first", "given by the first");
    }

    @Test
    void anotherThreadsWake_isNotDeferredByThisThreadsDelivery() throws InterruptedException {
        DeliveryBatch batch = DeliveryBatch.begin();
        try {
            Thread other = new Thread(() -> DeliveryBatch.wakeAfter(() -> {
                synchronized (ran) {
                    ran.add("other");
                }
            }));
            other.start();
            other.join(10_000);
            synchronized (ran) {
                assertThat(ran).containsExactly("other");
            }
        } finally {
            batch.end();
        }
    }
}
