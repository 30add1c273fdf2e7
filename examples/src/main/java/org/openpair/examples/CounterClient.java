package org.openpair.examples;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;
import org.openpair.guardian.ProcessContext;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessName;

/**
 * A client of {@link CounterServer}'s sequence numbers: takes numbers with {@code next} and
 * checks that each is higher than the one before (never repeated), across takeovers of the
 * server (the server also raises the counter by itself, so numbers may jump ahead). Arguments:
 * the server's name ({@code $CTR}), how many numbers (100), the pause between requests in
 * milliseconds (50). Log lines: {@code got N}, {@code failed: ...}, and at the end
 * {@code K numbers, each higher than the last, none repeated} or {@code SEQUENCE BROKEN: ...}.
 */
public final class CounterClient implements GuardianProgram {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Override
    public void run(ProcessContext ctx) throws InterruptedException {
        ProcessName server = ProcessName.of(ctx.args().isEmpty() ? "$CTR" : ctx.args().get(0));
        int count = ctx.args().size() > 1 ? Integer.parseInt(ctx.args().get(1)) : 100;
        long pauseMillis = ctx.args().size() > 2 ? Long.parseLong(ctx.args().get(2)) : 50;
        String broken = null;
        long previous = -1;
        int got = 0;
        try (ProcessFile file = ctx.guardian().fileOpen(server, 1)) {
            for (int i = 0; i < count && !ctx.isStopRequested(); i++) {
                try {
                    String reply = new String(file.writeRead("next".getBytes(StandardCharsets.UTF_8), TIMEOUT),
                            StandardCharsets.UTF_8);
                    long value = Long.parseLong(reply.substring(reply.lastIndexOf(' ') + 1));
                    ctx.out().println("got " + value + " from " + file.server().cpuPin());
                    got++;
                    // The server's own ticking raises the counter too: a number may jump ahead, never back or repeat.
                    if (previous >= 0 && value <= previous && broken == null) {
                        broken = value + " after " + previous;
                    }
                    previous = value;
                } catch (GuardianException e) {
                    ctx.out().println("failed: " + e.oneLine());
                }
                Thread.sleep(pauseMillis);
            }
        }
        ctx.out().println(broken == null ? got + " numbers, each higher than the last, none repeated"
                : "SEQUENCE BROKEN: " + broken);
    }
}
