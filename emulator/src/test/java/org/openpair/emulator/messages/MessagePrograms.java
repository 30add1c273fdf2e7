package org.openpair.emulator.messages;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.PairRole;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.Receive;
import org.openpair.guardian.ReceivedRequest;
import org.openpair.guardian.RestartPolicy;
import org.openpair.guardian.SystemMessage;

/** Server programs for the message-system tests; what they saw is kept in static maps. */
public final class MessagePrograms {
    /** Executions per "openId/syncId": exactly-once means every value is 1. */
    static final Map<String, Integer> EXECUTED = new ConcurrentHashMap<>();
    /** Requests read and deliberately left unanswered ("hold"), by server name. */
    static final Map<String, List<ReceivedRequest>> HELD = new ConcurrentHashMap<>();
    /** System messages seen, by server name. */
    static final Map<String, List<SystemMessage>> MESSAGES = new ConcurrentHashMap<>();
    /** Errors the server saw from its own $RECEIVE calls, by server name. */
    static final Map<String, List<Integer>> ERRORS = new ConcurrentHashMap<>();
    /** Servers that have opened their $RECEIVE (opens before that bring no -103). */
    static final java.util.Set<String> RECEIVING = ConcurrentHashMap.newKeySet();
    /** Servers that started a "nap". */
    static final java.util.Set<String> NAPPING = ConcurrentHashMap.newKeySet();

    private MessagePrograms() {
    }

    static void reset() {
        EXECUTED.clear();
        NAPPING.clear();
        RECEIVING.clear();
        HELD.clear();
        MESSAGES.clear();
        ERRORS.clear();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * Tries the bad $RECEIVE opens and records each error under its name ("unnamed" without
     * one): depth 0, depth over the limit; then, if named, opens with depth 1 and serves "get".
     */
    public static final class ReceiveProbe implements GuardianProgram {
        @Override
        public void run(ProcessContext ctx) {
            String name = ctx.name().map(Object::toString).orElse("unnamed");
            for (int depth : new int[] {0, -1, ProcessContext.MAX_RECEIVE_DEPTH + 1, 1}) {
                try {
                    Receive r = ctx.openReceive(depth, false);
                    ERRORS.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(0);
                    while (!ctx.isStopRequested()) {
                        r.readUpdate(Duration.ofMillis(20)).ifPresent(q -> q.reply(bytes("depth " + r.receiveDepth())));
                    }
                } catch (GuardianException e) {
                    ERRORS.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(e.error());
                }
            }
        }
    }

    /**
     * A counter server. Args: backup CPU ("none" for no backup; "beside:N" for one on CPU N made
     * on a thread of its own once $RECEIVE is open, while the server serves), receive depth. Requests:
     * {@code inc} adds one and replies with the new value, checkpointed with the reply;
     * {@code get} replies with the value; {@code reuse} replies "original", checkpointed, and
     * overwrites its reply buffer as soon as reply() returns; {@code hold} is read and never answered;
     * {@code info} replies with FILE_GETRECEIVEINFO_; {@code probe} tries a second read
     * without replying and answers with the error it got.
     */
    public static final class Server implements GuardianProgram {
        @Override
        public void run(ProcessContext ctx) {
            String name = ctx.name().orElseThrow().toString();
            long[] counter = {0};
            if (ctx.role() == PairRole.BACKUP) {
                ctx.awaitTakeover(b -> counter[0] = ByteBuffer.wrap(b).getLong());
            } else if (!ctx.args().get(0).equals("none") && !ctx.args().get(0).startsWith("beside:")) {
                ctx.createBackup(Integer.parseInt(ctx.args().get(0)), RestartPolicy.TEMPORARY);
            }
            Receive receive = ctx.openReceive(Integer.parseInt(ctx.args().get(1)), true);
            RECEIVING.add(name);
            if (ctx.role() == PairRole.PRIMARY && ctx.args().get(0).startsWith("beside:")) {
                // The backup made beside serving, as a new primary should after a takeover.
                int cpu = Integer.parseInt(ctx.args().get(0).substring("beside:".length()));
                Thread maker = new Thread(() -> {
                    try {
                        ctx.out().println("backup " + ctx.createBackup(cpu, RestartPolicy.TEMPORARY).cpuPin());
                    } catch (GuardianException e) {
                        ctx.out().println("no backup: " + e.oneLine());
                    }
                }, name + "-backup-maker");
                maker.setDaemon(true);
                maker.start();
            }
            while (!ctx.isStopRequested()) {
                ctx.readSystemMessage(Duration.ZERO)
                        .ifPresent(m -> MESSAGES.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(m));
                Optional<ReceivedRequest> next;
                try {
                    next = receive.readUpdate(Duration.ofMillis(20));
                } catch (GuardianException e) {
                    ERRORS.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(e.error());
                    return;
                }
                if (next.isEmpty()) {
                    continue;
                }
                ReceivedRequest r = next.get();
                String op = text(r.data());
                switch (op) {
                    case "inc" -> {
                        EXECUTED.merge(r.info().openId() + "/" + r.info().syncId(), 1, Integer::sum);
                        counter[0]++;
                        byte[] value = ByteBuffer.allocate(8).putLong(counter[0]).array();
                        r.reply(value, value);
                    }
                    case "get" -> r.reply(ByteBuffer.allocate(8).putLong(counter[0]).array());
                    case "reuse" -> {
                        // reply() returns before the backup holds the reply; the buffer is the
                        // program's again at once, and here it is overwritten at once.
                        byte[] buffer = bytes("original");
                        r.reply(buffer, buffer);
                        java.util.Arrays.fill(buffer, (byte) 'X');
                    }
                    case "nap" -> {
                        // Keeps the server busy, so that later requests wait unread on $RECEIVE.
                        NAPPING.add(name);
                        try {
                            Thread.sleep(1000);
                        } catch (InterruptedException e) {
                            return;
                        }
                        r.reply(bytes("napped"));
                    }
                    case "hold" -> HELD.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(r);
                    case "info" -> r.reply(bytes(r.info().opener() + "|" + r.info().openId() + "|"
                            + r.info().syncId() + "|" + r.info().syncDepth()));
                    case "probe" -> {
                        int error = 0;
                        try {
                            receive.readUpdate(Duration.ofMillis(1));
                        } catch (GuardianException e) {
                            error = e.error();
                        }
                        r.reply(bytes(Integer.toString(error)));
                    }
                    default -> r.reply(bytes("unknown request: " + op));
                }
            }
        }
    }
}
