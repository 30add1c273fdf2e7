package org.openpair.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.stream.Stream;

import com.hazelcast.instance.BuildInfoProvider;

/**
 * The machine a benchmark ran on, printed before every table and as the first JSON line
 * ({@code {"bench":"machine",...}}): figures mean little without it, least of all on the
 * shared 2-core machines this project is measured on.
 *
 * <p>Run: {@code ./guardian bench spawn} prints it first.
 *
 * @param cores     available processors
 * @param cpuModel  the "model name" of /proc/cpuinfo, or "unknown CPU"
 * @param jvm       JVM vendor, name and runtime version
 * @param os        OS name, kernel version, architecture
 * @param hazelcast the Hazelcast version underneath
 * @param load      the 1-minute load average when the run started (first field of /proc/loadavg),
 *                  or a negative number if unknown: how busy the shared machine was
 * @param date      when the run started, to the second, with the offset
 */
public record Machine(int cores, String cpuModel, String jvm, String os, String hazelcast, double load,
               OffsetDateTime date) {

    /** This machine, now. */
    public static Machine current() {
        return new Machine(Runtime.getRuntime().availableProcessors(), cpuModel(Path.of("/proc/cpuinfo")),
                System.getProperty("java.vm.vendor", "?") + " " + System.getProperty("java.vm.name", "?") + " "
                        + System.getProperty("java.runtime.version", System.getProperty("java.version", "?")),
                System.getProperty("os.name", "?") + " " + System.getProperty("os.version", "?") + " "
                        + System.getProperty("os.arch", "?"),
                hazelcastVersion(),
                loadAverage(Path.of("/proc/loadavg")),
                OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS));
    }

    /** The first "model name" line of a cpuinfo file, or "unknown CPU" if there is none. */
    static String cpuModel(Path cpuinfo) {
        try (Stream<String> lines = Files.lines(cpuinfo, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .filter(s -> !s.isEmpty())
                    .findFirst().orElse("unknown CPU");
        } catch (IOException | RuntimeException e) {
            return "unknown CPU";
        }
    }

    /** The 1-minute load average of a loadavg file, or -1 if it cannot be read. */
    static double loadAverage(Path loadavg) {
        try {
            String text = Files.readString(loadavg, StandardCharsets.US_ASCII).trim();
            return Double.parseDouble(text.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String hazelcastVersion() {
        try {
            return BuildInfoProvider.getBuildInfo().getVersion();
        } catch (RuntimeException | LinkageError e) {
            return "?";
        }
    }

    /** "machine: 2 cores (AMD EPYC), <jvm>, <os>, Hazelcast 5.7.0, load 0.42, 2026-05-20T10:11:12Z". */
    public String oneLine() {
        return "machine: " + cores + (cores == 1 ? " core" : " cores") + " (" + cpuModel + "), " + jvm + ", " + os
                + ", Hazelcast " + hazelcast + ", load " + (load < 0 ? "?" : String.format(Locale.ROOT, "%.2f", load))
                + ", " + date;
    }

    public JsonLine json() {
        return new JsonLine().put("bench", "machine").put("cores", cores).put("cpu", cpuModel).put("jvm", jvm)
                .put("os", os).put("hazelcast", hazelcast).put("load", load < 0 ? Double.NaN : load, 2)
                .put("date", date.toString());
    }
}
