package org.openpair.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a hosted benchmark program hands back to its driver: named series of latency samples in
 * nanoseconds, pipelined runs (checkpoints sent, nanoseconds taken), and whether the program's
 * time limit cut the run short. Written to a file the driver named (whole, then renamed into
 * place, so the driver never reads half of it); the two may run in different JVMs of one
 * machine.
 *
 * <p>Used by {@link CheckpointBenchProgram} and {@link CheckpointBenchmark}; run with
 * {@code ./guardian bench checkpoint}.
 */
final class PairBenchResults {
    private static final int MAGIC = 0x4f504231; // "OPB1"

    /** One pipelined run: how many checkpoints were sent and acknowledged, in how many nanoseconds. */
    record Rate(int sent, long nanos) {
        double perSecond() {
            return nanos <= 0 ? 0 : sent * 1e9 / nanos;
        }
    }

    private final Map<String, long[]> series = new LinkedHashMap<>();
    private final List<Rate> rates = new ArrayList<>();
    private boolean cutShort;

    void series(String name, long[] nanos) {
        series.put(name, nanos.clone());
    }

    /** The samples of a series; an empty array if the program took none. */
    long[] series(String name) {
        long[] s = series.get(name);
        return s == null ? new long[0] : s.clone();
    }

    void rate(Rate r) {
        rates.add(r);
    }

    List<Rate> rates() {
        return List.copyOf(rates);
    }

    void cutShort(boolean value) {
        cutShort = value;
    }

    boolean cutShort() {
        return cutShort;
    }

    void writeAtomically(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            out.writeInt(MAGIC);
            out.writeBoolean(cutShort);
            out.writeInt(series.size());
            for (Map.Entry<String, long[]> e : series.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                for (long v : e.getValue()) {
                    out.writeLong(v);
                }
            }
            out.writeInt(rates.size());
            for (Rate r : rates) {
                out.writeInt(r.sent());
                out.writeLong(r.nanos());
            }
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static PairBenchResults read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC) {
                throw new IOException(file + " is not a bench results file");
            }
            PairBenchResults r = new PairBenchResults();
            r.cutShort = in.readBoolean();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                long[] values = new long[in.readInt()];
                for (int j = 0; j < values.length; j++) {
                    values[j] = in.readLong();
                }
                r.series.put(name, values);
            }
            int rates = in.readInt();
            for (int i = 0; i < rates; i++) {
                r.rates.add(new Rate(in.readInt(), in.readLong()));
            }
            return r;
        }
    }
}
