package org.openpair.emulator.messages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessHandle;

/** The message system's payloads: what a requester writes comes back whole, anything else is refused with 2. */
class MessageFormatTest {
    private static final ProcessHandle TARGET = new ProcessHandle("N", 1, 7, 77);
    private static final ProcessHandle OPENER = new ProcessHandle("N", 2, 9, 99);

    /** The request as the link hands it over: a view into a direct buffer with other bytes around it. */
    private static ByteBuffer asOnTheLink(ByteBuffer payload) {
        ByteBuffer frame = ByteBuffer.allocateDirect(payload.remaining() + 40);
        frame.put(new byte[26]).put(payload.duplicate()).put(new byte[14]);
        return frame.position(26).limit(26 + payload.remaining());
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void aRequest_comesBackWhole_withTheOpenerNamedByTheReceivingNode() {
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        MessageFormat.Request r = MessageFormat.decodeRequest(asOnTheLink(
                MessageFormat.request(MessageFormat.WRITEREAD, TARGET, 3, OPENER, 1234, data)), "N");

        assertThat(r.kind()).isEqualTo(MessageFormat.WRITEREAD);
        assertThat(r.pin()).isEqualTo(7);
        assertThat(r.verifier()).isEqualTo(77);
        assertThat(r.syncDepth()).isEqualTo(3);
        assertThat(r.opener()).isEqualTo(OPENER);
        assertThat(r.deadline()).isEqualTo(1234);
        assertThat(r.data()).isEqualTo(data);
        MessageFormat.Request operator = MessageFormat.decodeRequest(asOnTheLink(
                MessageFormat.request(MessageFormat.OPEN, TARGET, 0, null, new byte[0])), "N");
        assertThat(operator.opener()).isNull();
        assertThat(operator.data()).isEmpty();
    }

    @Test
    void badRequests_areRefusedWith2_eachSayingWhy() {
        byte[] good = bytes(MessageFormat.request(MessageFormat.WRITEREAD, TARGET, 1, OPENER, 0, new byte[8]));
        for (int cut = 0; cut < good.length; cut++) {
            byte[] shorter = java.util.Arrays.copyOf(good, cut);
            assertRefused(shorter, "malformed request");
        }
        assertRefused(java.util.Arrays.copyOf(good, good.length + 1), "left over");
        assertRefused(patched(good, 0, (byte) 9), "kind 9");
        byte[] depth = good.clone();
        ByteBuffer.wrap(depth).putInt(13, -1);
        assertRefused(depth, "sync depth -1");
        byte[] deadline = good.clone();
        ByteBuffer.wrap(deadline).putLong(33, -5);
        assertRefused(deadline, "deadline -5");
        byte[] length = good.clone();
        ByteBuffer.wrap(length).putInt(41, Integer.MAX_VALUE);
        assertRefused(length, "length 2147483647");
        byte[] opener = good.clone();
        ByteBuffer.wrap(opener).putInt(17, 99);
        assertRefused(opener, "opener");
    }

    private static byte[] patched(byte[] b, int at, byte value) {
        byte[] copy = b.clone();
        copy[at] = value;
        return copy;
    }

    private static void assertRefused(byte[] payload, String why) {
        assertThatThrownBy(() -> MessageFormat.decodeRequest(asOnTheLink(ByteBuffer.wrap(payload)), "N"))
                .as("%d bytes", payload.length)
                .isInstanceOfSatisfying(GuardianException.class,
                        e -> assertThat(e.guardianError()).isEqualTo(GuardianError.INVALID_OPERATION))
                .hasMessageContaining(why);
    }

    @Test
    void replies_carryTheirStatusAndBytes_andAMalformedOneIsSaidToBe() {
        byte[] ok = bytes(MessageFormat.ok(new byte[] {1, 2, 3}));
        assertThat(MessageFormat.status(ok)).isZero();
        assertThat(MessageFormat.body(ok)).containsExactly(1, 2, 3);
        byte[] refused = bytes(MessageFormat.error(GuardianError.PATH_DOWN, "gone \u00e9"));
        assertThat(MessageFormat.status(refused)).isEqualTo(201);
        assertThat(MessageFormat.message(refused)).isEqualTo("gone \u00e9");

        byte[] cut = java.util.Arrays.copyOf(ok, ok.length - 1);
        assertThat(MessageFormat.reply(cut)).isNull();
        assertThat(MessageFormat.status(cut)).isEqualTo(-1);
        assertThat(MessageFormat.message(cut)).isEqualTo("malformed reply");
        assertThat(MessageFormat.body(new byte[] {0, 0})).isEmpty();
    }
}
