package org.openpair.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The temporary directory a bench node keeps its logs in (the CPUs' and their processes'), made
 * when the node starts and deleted with it, so a benchmark leaves nothing behind. A directory
 * that cannot be deleted is logged as a warning, never an error: the figures are already out.
 *
 * <p>Used by {@link BenchNode} and {@link PairBenchNode}.
 */
final class BenchLogDir {
    private BenchLogDir() {
    }

    /** A new temporary directory whose name starts with {@code prefix}. */
    static Path create(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the bench node's logs", e);
        }
    }

    /** Deletes {@code root} and everything below it; stops at, and warns of, the first failure. */
    static void delete(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        } catch (IOException | UncheckedIOException e) {
            warnNotDeleted(root, e);
            return;
        }
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                warnNotDeleted(root, e);
                return;
            }
        }
    }

    private static void warnNotDeleted(Path root, Exception e) {
        System.getLogger(BenchLogDir.class.getName()).log(System.Logger.Level.WARNING,
                "could not delete the bench logs in " + root + ": " + e);
    }
}
