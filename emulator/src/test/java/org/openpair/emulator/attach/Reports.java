package org.openpair.emulator.attach;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads the {@code REPORT key=value} lines programs write to their logs: the one channel that
 * works the same for a hosted program and for a Java OS process.
 */
public final class Reports {
    private Reports() {
    }

    /** Every value reported under {@code key} in the log file, in order. */
    public static List<String> all(String logFile, String key) {
        return all(List.of(Path.of(logFile)), key);
    }

    /** The last value reported under {@code key} in the log file. */
    public static Optional<String> last(String logFile, String key) {
        List<String> v = all(logFile, key);
        return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
    }

    /** Every value reported under {@code key} in any log under {@code logDir} (all CPUs). */
    public static List<String> anywhere(Path logDir, String key) {
        try (Stream<Path> files = Files.walk(logDir)) {
            return all(files.filter(p -> p.toString().endsWith(".log")).sorted().toList(), key);
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<String> all(List<Path> files, String key) {
        String prefix = "REPORT " + key + "=";
        List<String> out = new ArrayList<>();
        for (Path f : files) {
            try {
                for (String line : Files.readAllLines(f)) {
                    if (line.startsWith(prefix)) {
                        out.add(line.substring(prefix.length()));
                    }
                }
            } catch (IOException e) {
                // Not written yet.
            }
        }
        return out;
    }
}
