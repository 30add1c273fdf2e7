package org.openpair.emulator.attach;

import java.nio.ByteBuffer;

import org.openpair.emulator.codec.Encoder;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;

/**
 * An attached program that breaks the protocol on its own, authenticated connection, as its
 * first argument says: the CPU must close that connection, write the process off (its death)
 * and carry on. It reports first, so the test knows it attached.
 */
public final class Saboteur implements GuardianProgram {
    @Override
    public void run(ProcessContext c) throws Exception {
        AttachPrograms.report(c, "attached", c.role());
        AttachClient client = AttachMain.current;
        if (c.args().get(0).equals("deaf")) {
            // Stops reading, then asks for answers until the CPU's queue or socket is full.
            client.deaf = true;
            byte[] role = frame(AttachFrames.VERSION, AttachFrames.CALL, new byte[] {AttachFrames.Op.ROLE});
            for (int i = 0; i < 100_000; i++) {
                client.sendRaw(role);
            }
            Thread.sleep(60_000);
            return;
        }
        byte[] attack = switch (c.args().get(0)) {
            case "unknown-op" -> frame(AttachFrames.VERSION, AttachFrames.CALL, new byte[] {99});
            case "truncated-field" -> frame(AttachFrames.VERSION, AttachFrames.CALL,
                    new byte[] {AttachFrames.Op.CHECKPOINT, 0, 0, 1, 0, 1, 2});
            case "trailing-bytes" -> frame(AttachFrames.VERSION, AttachFrames.CALL,
                    new byte[] {AttachFrames.Op.ROLE, 7, 7});
            case "wrong-version" -> frame((byte) 9, AttachFrames.CALL, new byte[] {AttachFrames.Op.ROLE});
            case "nonzero-epoch" -> frame(AttachFrames.VERSION, AttachFrames.CALL, 7, new byte[] {AttachFrames.Op.ROLE});
            case "huge-length" -> ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array();
            case "second-hello" -> frame(AttachFrames.VERSION, AttachFrames.HELLO, new byte[12]);
            case "bad-count" -> frame(AttachFrames.VERSION, AttachFrames.CALL,
                    ByteBuffer.allocate(1 + 8 + 4).put(AttachFrames.Op.REPLY).putLong(1).putInt(-5).array());
            case "guardian-unknown" -> frame(AttachFrames.VERSION, AttachFrames.CALL,
                    new byte[] {AttachFrames.Op.GUARDIAN, 99});
            case "guardian-bad-signal" -> frame(AttachFrames.VERSION, AttachFrames.CALL,
                    new Encoder().i8(AttachFrames.Op.GUARDIAN).i8(AttachFrames.GuardianOp.KILL_NAME).bool(true)
                            .str("$X").bool(true).i32(99).toByteArray());
            case "guardian-bad-spawn" -> frame(AttachFrames.VERSION, AttachFrames.CALL,
                    new Encoder().i8(AttachFrames.Op.GUARDIAN).i8(AttachFrames.GuardianOp.SPAWN).i32(7).str("x")
                            .toByteArray());
            case "signal-end-sigchld" -> frame(AttachFrames.VERSION, AttachFrames.CALL,
                    new Encoder().i8(AttachFrames.Op.SIGNAL_END).i32(org.openpair.guardian.Signal.SIGCHLD.number())
                            .bool(false).toByteArray());
            // 0 was PERMANENT's ordinal; as a code it is no restart type at all.
            case "bad-restart-type" -> frame(AttachFrames.VERSION, AttachFrames.CALL,
                    new Encoder().i8(AttachFrames.Op.CREATE_BACKUP).i32(1).i32(0).i32(3).i64(1000).toByteArray());
            case "bad-death-policy" -> frame(AttachFrames.VERSION, AttachFrames.CALL,
                    new Encoder().i8(AttachFrames.Op.SEM_CREATE).str("$SEM").i32(1).i32(77).toByteArray());
            case "bad-acquire-mode" -> frame(AttachFrames.VERSION, AttachFrames.CALL,
                    new Encoder().i8(AttachFrames.Op.SEM_ACQUIRE).i64(1).i32(1).i32(0).i64(0).toByteArray());
            // A string that claims far more bytes than the frame holds.
            case "oversized-string" -> frame(AttachFrames.VERSION, AttachFrames.CALL,
                    new Encoder().i8(AttachFrames.Op.STATE_GET).i32(Integer.MAX_VALUE).toByteArray());
            case "negative-timeout" -> frame(AttachFrames.VERSION, AttachFrames.CALL,
                    new Encoder().i8(AttachFrames.Op.READ_SYSTEM_MESSAGE).i64(-1).toByteArray());
            default -> throw new IllegalArgumentException(c.args().get(0));
        };
        client.sendRaw(attack);
        // The CPU closes the connection and kills this process; it must not get here for long.
        Thread.sleep(60_000);
        AttachPrograms.report(c, "survived", true);
    }

    static byte[] frame(byte version, byte type, byte[] payload) {
        return frame(version, type, 0, payload);
    }

    /** A frame of the link's format with call ID 1 and epoch {@code epoch} (0 in every honest one). */
    static byte[] frame(byte version, byte type, long epoch, byte[] payload) {
        int header = AttachFrames.HEADER_BYTES;
        return ByteBuffer.allocate(4 + header + payload.length).putInt(header + payload.length).put(version).put(type)
                .putLong(1).putLong(epoch).putLong(0).put(payload).array();
    }
}
