package org.openpair.emulator.names;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import com.hazelcast.spi.impl.merge.MapMergingEntryImpl;
import com.hazelcast.spi.merge.MergingValue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openpair.emulator.launch.Logging;
import org.openpair.emulator.cluster.EngineSerialization;
import org.openpair.emulator.cpu.NodeEngineSettings;
import org.openpair.emulator.cluster.MergeByValue;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.ProcessName;

/**
 * The name table's merge rule on entries made by hand, through the engine's merge policy for
 * mergeable values, Hazelcast's own merging-entry type and the product's serialization, as the
 * map's merge hands them over.
 */
class HigherEpochWinsTest {
    private static final ProcessName NAME = ProcessName.of("$SRV");
    private static final Instant CREATED = Instant.parse("2026-12-06T00:00:00Z");
    private static final ProcessHandle P0 = new ProcessHandle("N", 0, 10, 1000);
    private static final ProcessHandle B1 = new ProcessHandle("N", 1, 11, 1001);
    private static final ProcessHandle B2 = new ProcessHandle("N", 2, 12, 1002);

    private final InternalSerializationService serialization = new DefaultSerializationServiceBuilder()
            .setConfig(engineSerialization()).build();
    private final MergeByValue policy = new MergeByValue();
    private Logging.Capture logged;

    @BeforeEach
    void listen() {
        logged = Logging.capture(null, false, HigherEpochWins.class.getName());
    }

    @AfterEach
    void stopListening() {
        logged.close();
        serialization.dispose();
    }

    /** The entries travel as the product's members write them: through the runtime's codec. */
    private static SerializationConfig engineSerialization() {
        SerializationConfig config = new SerializationConfig();
        EngineSerialization.applyTo(config, NodeEngineSettings.codecs());
        return config;
    }

    private static NameEntry entry(ProcessHandle primary, ProcessHandle backup, long epoch) {
        return new NameEntry(NAME, primary, backup, epoch, CREATED, false, backup != null, null);
    }

    private MergingValue<Object> merging(NameEntry value) {
        return new MapMergingEntryImpl<Object, Object>(serialization).setKey(serialization.toData(NAME.toString()))
                .setValue(serialization.toData(value));
    }

    private NameEntry merge(NameEntry mergingValue, NameEntry existingValue) {
        Object kept = policy.merge(merging(mergingValue), existingValue == null ? null : merging(existingValue));
        return kept == null ? null : serialization.toObject(kept);
    }

    @Test
    void higherEpochWins_eitherWayRound_andTheConflictIsLoggedWithBothSides() {
        long common = Epochs.first(0);
        NameEntry promotedOnCpu1 = entry(B1, null, Epochs.next(common, 1));
        NameEntry stillOld = entry(P0, B1, common);

        assertThat(merge(promotedOnCpu1, stillOld)).isEqualTo(promotedOnCpu1);
        assertThat(merge(stillOld, promotedOnCpu1)).isEqualTo(promotedOnCpu1);

        assertThat(logged.lines()).hasSize(2).allSatisfy(r -> {
            assertThat(r.level()).isEqualTo(System.Logger.Level.WARNING);
            // Both sides: primary, backup and epoch of each.
            assertThat(r.message()).contains("$SRV", "primary 1,11", "backup none", "epoch 2@1",
                    "primary 0,10", "backup 1,11", "epoch 1@0");
        });
    }

    /**
     * Both sides took the same step from one epoch (the smaller side wrote before its split-brain
     * protection saw the split): the larger side's entry stays whichever CPU number is higher.
     * Found by guardian chaos (seed 120320604427766): a thawed CPU's own promotion of a pair's
     * backup (counter 5 at CPU 1) replaced the node's (counter 5 at CPU 0), and with it the new
     * backup the node had made, and the pair was lost at the next fault.
     */
    @Test
    void twoSidesThatEachTookTheSameStep_theLargerSidesEntryStays_eitherWayRound() {
        long common = Epochs.next(Epochs.first(0), 0);
        NameEntry largerWithNewBackup = entry(B2, B1, Epochs.next(common, 0));
        NameEntry smallerAlone = entry(B2, null, Epochs.next(common, 1));
        assertThat(smallerAlone.epoch()).isGreaterThan(largerWithNewBackup.epoch());
        assertThat(merge(smallerAlone, largerWithNewBackup)).isEqualTo(largerWithNewBackup);
        NameEntry largerOnCpu2 = entry(B2, null, Epochs.next(common, 2));
        NameEntry smallerOnCpu1 = entry(B1, null, Epochs.next(common, 1));
        assertThat(merge(smallerOnCpu1, largerOnCpu2)).isEqualTo(largerOnCpu2);
        assertThat(merge(largerOnCpu2, smallerOnCpu1)).isEqualTo(smallerOnCpu1);
        assertThat(logged.lines()).allSatisfy(r -> assertThat(r.message()).contains("on their own"));
    }

    @Test
    void identicalEntries_keepTheExisting_withoutAWord() {
        NameEntry e = entry(P0, B1, Epochs.first(0));
        Object kept = policy.merge(merging(e), merging(entry(P0, B1, Epochs.first(0))));
        assertThat((NameEntry) serialization.toObject(kept)).isEqualTo(e);
        assertThat(logged.lines()).isEmpty();
    }

    @Test
    void equalEpochs_samePrimary_differentBackup_keepTheLargerSide_andWarn() {
        long epoch = Epochs.first(0);
        NameEntry withBackup = entry(P0, B1, epoch);
        NameEntry detached = entry(P0, null, epoch);
        assertThat(merge(withBackup, detached)).isEqualTo(detached);
        assertThat(merge(detached, withBackup)).isEqualTo(withBackup);
        assertThat(logged.lines()).hasSize(2).allSatisfy(r -> assertThat(r.level()).isEqualTo(System.Logger.Level.WARNING));
    }

    /** Cannot happen with epochs from {@link Epochs}; made by hand, it is decided the same way each time, and loudly. */
    @Test
    void equalEpochs_differentPrimaries_keepTheLargerSide_andLogAnError() {
        long epoch = Epochs.next(Epochs.first(0), 1);
        NameEntry one = entry(B1, null, epoch);
        NameEntry other = entry(B2, null, epoch);
        for (int i = 0; i < 3; i++) {
            assertThat(merge(one, other)).isEqualTo(other);
            assertThat(merge(other, one)).isEqualTo(one);
        }
        assertThat(logged.lines()).hasSize(6).allSatisfy(r -> {
            assertThat(r.level()).isEqualTo(System.Logger.Level.ERROR);
            assertThat(r.message()).contains("TWO PRIMARIES AT ONE EPOCH", "primary 1,11", "primary 2,12", "epoch 2@1");
        });
    }

    @Test
    void aNameTheLargerSideDoesNotHold_staysAbsent_andIsLogged() {
        assertThat(merge(entry(P0, B1, Epochs.first(0)), null)).isNull();
        assertThat(logged.lines()).singleElement().satisfies(r -> {
            assertThat(r.level()).isEqualTo(System.Logger.Level.WARNING);
            assertThat(r.message()).contains("$SRV", "primary 0,10", "epoch 1@0", "stays removed");
        });
    }
}
