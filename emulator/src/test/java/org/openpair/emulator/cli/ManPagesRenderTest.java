package org.openpair.emulator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Every page of {@code man/} as a reader gets it: the build converts each to troff
 * (asciidoctor's manpage backend, under {@code target/man}) and this test runs
 * {@code man --warnings=w -l} on each, as {@code MANWIDTH=80}. Any groff warning, any output on
 * stderr, a non-zero exit, a missing or stale troff file, or a page without its NAME fails the
 * test, naming the page. {@code man} and {@code groff} must be installed ({@code .ci/run}
 * installs them): without them the manual is unchecked, so the test fails rather than skips.
 */
class ManPagesRenderTest {
    private static final Path MAN = Path.of(System.getProperty("man.dir", "../man"));
    private static final Path TROFF = Path.of(System.getProperty("man.troff.dir", "target/man"));
    private static final Pattern TITLE = Pattern.compile("(?m)^= (\\S+)\\((\\d)\\)$");
    /** The pages issue 7 asks for; the rest of man/ is checked too, but these may not go missing. */
    private static final List<String> REQUIRED = List.of("guardian.1", "guardian-completion.1", "PROCESS_SPAWN_.3",
            "PROCESS_STOP_.3", "PROCESS_GETPAIRINFO_.3", "SETLOOPTIMER.3", "SIGACTION_INIT_.3", "CHECKPOINT.3",
            "FILE_OPEN_.3", "READUPDATE.3", "openpair-semaphores.3", "openpair.7");
    private static final long TIMEOUT_SECONDS = 30;

    @Test
    void everyPage_rendersWithoutWarnings() throws IOException, InterruptedException {
        Map<String, Path> sources = sources();
        assertThat(sources.keySet()).as("pages in %s", MAN).containsAll(REQUIRED);
        List<String> problems = new ArrayList<>();
        for (var e : sources.entrySet()) {
            Path troff = TROFF.resolve(e.getKey());
            if (!Files.isRegularFile(troff)) {
                problems.add(e.getKey() + ": no troff page " + troff + " (was " + e.getValue().getFileName()
                        + " converted? run the build through process-test-resources)");
                continue;
            }
            if (Files.getLastModifiedTime(troff).compareTo(Files.getLastModifiedTime(e.getValue())) < 0) {
                problems.add(e.getKey() + ": " + troff + " is older than " + e.getValue() + ": rebuild");
                continue;
            }
            problems.addAll(render(troff, e.getKey()));
        }
        // The extra names of a page (CHECKMONITOR for CHECKPOINT, ...) are .so links: each must resolve.
        try (Stream<Path> all = Files.list(TROFF)) {
            for (Path link : all.filter(p -> !sources.containsKey(p.getFileName().toString())).sorted().toList()) {
                String body = Files.readString(link, StandardCharsets.UTF_8);
                if (!body.startsWith(".so ")) {
                    continue;   // a page whose source was removed: not this build's
                }
                problems.addAll(render(link, link.getFileName() + " (link to " + body.substring(4).trim() + ")"));
            }
        }
        assertThat(problems).as("man pages that do not render cleanly").isEmpty();
    }

    @Test
    void render_reportsAGroffWarning() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("man-render");
        Path bad = dir.resolve("bad.3");
        Files.writeString(bad, ".TH BAD 3\n.SH NAME\nbad \\- a page with an undefined macro\n.nosuchmacro\n");
        try {
            assertThat(render(bad, "bad.3")).singleElement().asString().contains("bad.3").contains("nosuchmacro");
        } finally {
            Files.delete(bad);
            Files.delete(dir);
        }
    }

    /** The troff file name each page of man/ becomes ({@code NAME.n}), with its source. */
    private static Map<String, Path> sources() throws IOException {
        Map<String, Path> out = new TreeMap<>();
        try (Stream<Path> all = Files.list(MAN)) {
            for (Path p : all.filter(p -> p.toString().endsWith(".adoc")).toList()) {
                Matcher title = TITLE.matcher(Files.readString(p));
                assertThat(title.find()).as("%s has a '= NAME(n)' title", p).isTrue();
                out.put(title.group(1) + "." + title.group(2), p);
            }
        }
        return out;
    }

    /** Problems of one page: exit status, anything on stderr, no NAME section. */
    private static List<String> render(Path troff, String page) throws IOException, InterruptedException {
        Path out = Files.createTempFile("man-out", ".txt");
        Path err = Files.createTempFile("man-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder("man", "--warnings=w", "-l", troff.getFileName().toString())
                    .directory(troff.toAbsolutePath().getParent().toFile())   // .so links resolve from here
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            pb.environment().put("MANWIDTH", "80");
            pb.environment().put("MANPAGER", "cat");
            pb.environment().put("PAGER", "cat");
            Process man;
            try {
                man = pb.start();
            } catch (IOException e) {
                return List.of(page + ": cannot run man (install man-db and groff-base): " + e.getMessage());
            }
            if (!man.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                man.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                return List.of(page + ": man did not finish within " + TIMEOUT_SECONDS + " s");
            }
            List<String> problems = new ArrayList<>();
            String stderr = Files.readString(err, StandardCharsets.UTF_8).strip();
            String stdout = Files.readString(out, StandardCharsets.UTF_8);
            if (man.exitValue() != 0) {
                problems.add(page + ": man exited " + man.exitValue() + (stderr.isEmpty() ? "" : ": " + stderr));
            } else if (!stderr.isEmpty()) {
                problems.add(page + ": " + stderr);
            } else if (!stdout.contains("\nNAME\n")) {
                problems.add(page + ": the rendered page has no NAME section");
            }
            return problems;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
