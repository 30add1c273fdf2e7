package org.openpair.emulator.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openpair.emulator.contract.ContractPrograms.bytes;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.attach.Reports;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.ProcessFile;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;

/**
 * The message-system contract (DESIGN.md contract 6), once per backend: the process under test
 * is the server, and in one case the requester too.
 */
abstract class MessageContract extends ContractBase {

    private static long number(byte[] reply) {
        return ByteBuffer.wrap(reply).getLong();
    }

    @Test
    void serverAndRequester_repliesInOrder_syncIdsRise_receiveInfoNamesTheOpener_openAndCloseMessages() {
        ProcessName srv = name();
        ProcessHandle server = spawn(ContractPrograms.Server.class, srv, 0, "none", "4");
        String serverLog = log(server);
        awaitReport(serverLog, "serving");
        ProcessHandle client = spawn(ContractPrograms.Client.class, null, 2, srv.toString(), "20");
        String clientLog = log(client);
        assertThat(awaitReport(clientLog, "done")).isEqualTo("true");
        List<String> replies = Reports.all(clientLog, "reply");
        assertThat(replies).hasSize(20);
        for (int i = 1; i <= 20; i++) {
            assertThat(replies.get(i - 1)).isEqualTo(i + "@" + i);
        }
        assertThat(Reports.last(clientLog, "server")).contains(server.toString());
        assertThat(Reports.last(clientLog, "info")).contains(client + "|21|1");
        assertThat(Reports.last(clientLog, "oversize")).contains("22");
        assertThat(Reports.last(clientLog, "openMissing")).contains("14");
        await("-103 and -104 at the server", () -> Reports.all(serverLog, "system").equals(List.of("-103", "-104")));
    }

    @Test
    void inFlightRequest_resentToTheNewPrimary_withTheSameSyncId_executedOnce() throws Exception {
        ProcessName srv = name();
        ProcessHandle primary = spawn(ContractPrograms.Server.class, srv, 0, "1", "4");
        var pair = awaitPair(srv);
        String primaryLog = log(primary);
        String backupLog = log(pair.backup());
        try (ProcessFile f = g.fileOpen(srv, 1)) {
            assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(1);
            CompletableFuture<byte[]> inFlight = CompletableFuture.supplyAsync(() -> f.writeRead(bytes("hold"), WAIT));
            assertThat(awaitReport(primaryLog, "held")).isEqualTo("2");

            kill9(primary);

            // The new primary reads the resent "hold" (same sync ID) and holds it too; the next
            // request shows the counter was neither lost nor raised twice.
            assertThat(awaitReport(backupLog, "held")).isEqualTo("2");
            assertThat(inFlight.isDone()).isFalse();
        }
        try (ProcessFile f2 = g.fileOpen(srv, 1)) {
            assertThat(number(f2.writeRead(bytes("inc"), WAIT))).isEqualTo(2);
            assertThat(f2.server()).isEqualTo(pair.backup());
        }
    }

    @Test
    void counterUnderTakeovers_everyAcknowledgedIncrementAppliedExactlyOnce() {
        ProcessName srv = name();
        spawn(ContractPrograms.Server.class, srv, 0, "1", "4", "permanent");
        awaitPair(srv);
        try (ProcessFile f = g.fileOpen(srv, 1)) {
            long expected = 0;
            for (int takeover = 0; takeover < 2; takeover++) {
                for (int i = 0; i < 30; i++) {
                    assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(++expected);
                }
                ProcessHandle current = g.processGetPairInfo(srv).primary();
                CompletableFuture<Void> killer = CompletableFuture.runAsync(() -> kill9(current));
                for (int i = 0; i < 30; i++) {
                    assertThat(number(f.writeRead(bytes("inc"), WAIT))).isEqualTo(++expected);
                }
                killer.join();
                awaitPair(srv);
                await("a new primary", () -> !g.processGetPairInfo(srv).primary().equals(current));
            }
        }
    }

    @Test
    void badReceiveOpens_depth22_unnamed2_thenAGoodOpen() {
        ProcessHandle named = spawn(ContractPrograms.BadReceive.class, name(), 1);
        ProcessHandle unnamed = spawn(ContractPrograms.BadReceive.class, null, 1);
        String namedLog = log(named);
        String unnamedLog = log(unnamed);
        assertThat(awaitReport(namedLog, "open")).isEqualTo("1");
        assertThat(Reports.last(namedLog, "depth0")).contains("22");
        assertThat(Reports.last(namedLog, "depth4097")).contains("22");
        assertThat(awaitReport(unnamedLog, "open")).isEqualTo("error 2");
    }

    @Test
    void writeReadToAMissingName_is14() {
        node();
        assertThatThrownBy(() -> g.fileOpen(ProcessName.of("$NOSRV"), 1)).isInstanceOfSatisfying(GuardianException.class,
                e -> assertThat(e.error()).isEqualTo(14));
    }
}
