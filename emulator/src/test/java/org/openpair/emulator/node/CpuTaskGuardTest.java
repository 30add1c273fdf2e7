package org.openpair.emulator.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.security.NodeKey;

/**
 * The guard's window and replay memory, with its clock moved by the test: a seal older or newer
 * than the window is refused, a nonce is refused again until its task has left the window, the
 * memory stays bounded and refuses rather than forgets, and a CPU without a key runs everything.
 */
class CpuTaskGuardTest {
    private static final NodeKey KEY = NodeKey.random();
    private final AtomicLong now = new AtomicLong(System.currentTimeMillis());
    private final CpuTaskGuard guard = new CpuTaskGuard(KEY, 1, now::get);

    private static CpuTask<?> task() {
        return CpuTask.of(new CpuTask.CpuUp(2)).sealed(KEY, 0, 1);
    }

    /** The task re-read with its seal moved {@code shiftMillis} in time and sealed again with the key. */
    private static CpuTask<?> issuedAt(long millis) {
        CpuTask<?> t = task();
        CpuTask.Seal s = t.seal();
        byte[] mac = KEY.mac(CpuTask.PURPOSE, CpuTask.macParts(t.encodedCall(), false, 0, 1, millis, s.nonce()));
        return CpuTask.received(false, t.encodedCall(), new CpuTask.Seal(0, millis, s.nonce(), mac));
    }

    @Test
    void aSealWithinTheWindow_runs_outsideIt_eitherWay_isRefused() {
        assertThat(guard.refusal(issuedAt(now.get() - CpuTaskGuard.WINDOW_MILLIS + 1000))).isNull();
        assertThat(guard.refusal(issuedAt(now.get() + CpuTaskGuard.WINDOW_MILLIS - 1000))).isNull();
        assertThat(guard.refusal(issuedAt(now.get() - CpuTaskGuard.WINDOW_MILLIS - 1000))).contains("outside");
        assertThat(guard.refusal(issuedAt(now.get() + CpuTaskGuard.WINDOW_MILLIS + 1000))).contains("outside");
    }

    @Test
    void aNonce_isRefusedAgain_andOnceItsTaskLeftTheWindow_asOutsideIt() {
        CpuTask<?> t = task();
        assertThat(guard.refusal(t)).isNull();
        assertThat(guard.refusal(t)).contains("seen before");
        now.addAndGet(3 * CpuTaskGuard.WINDOW_MILLIS);
        assertThat(guard.refusal(t)).contains("outside");
    }

    @Test
    void theReplayMemory_isBounded_andRefusesWhenFull_untilTheWindowMovesOn() {
        for (int i = 0; i < CpuTaskGuard.MAX_REMEMBERED; i++) {
            assertThat(guard.refusal(task())).isNull();
        }
        assertThat(guard.refusal(task())).contains("more than");
        now.addAndGet(3 * CpuTaskGuard.WINDOW_MILLIS);
        assertThat(guard.refusal(issuedAt(now.get()))).isNull();
    }

    @Test
    void aCpuWithoutAKey_runsAnything() {
        CpuTaskGuard open = new CpuTaskGuard(null, 1);
        assertThat(open.refusal(CpuTask.of(new CpuTask.CpuUp(2)))).isNull();
        assertThat(open.refusal(CpuTask.of(new CpuTask.CpuUp(2)).sealed(NodeKey.random(), 0, 1))).isNull();
    }

    @Test
    void aMalformedSeal_isRefused() {
        CpuTask<?> t = task();
        CpuTask<?> shortNonce = CpuTask.received(false, t.encodedCall(),
                new CpuTask.Seal(0, now.get(), new byte[3], t.seal().mac()));
        assertThat(guard.refusal(shortNonce)).contains("malformed");
    }
}
