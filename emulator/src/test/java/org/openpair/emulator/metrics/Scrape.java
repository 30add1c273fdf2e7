package org.openpair.emulator.metrics;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scrape of a CPU's endpoint over real HTTP, and the value of a sample in it: what Prometheus
 * would read, parsed from the text format rather than from the registry behind it.
 */
public final class Scrape {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$",
            Pattern.MULTILINE);
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private Scrape() {
    }

    /** {@code GET} of {@code path} at 127.0.0.1:{@code port}, bounded in time. */
    public static HttpResponse<String> get(int port, String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET(), port);
    }

    public static HttpResponse<String> send(HttpRequest.Builder request, int port) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("port " + port + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The body of a {@code GET /metrics} that must answer 200. */
    public static String metrics(int port) {
        HttpResponse<String> r = get(port, "/metrics");
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /metrics at port " + port + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /**
     * The value of the one sample {@code name} whose labels include {@code labels}; empty if none.
     *
     * @throws AssertionError if several samples match: the labels given do not pick one series
     */
    public static Optional<Double> value(String body, String name, Map<String, String> labels) {
        Optional<Double> found = Optional.empty();
        Matcher m = SAMPLE.matcher(body);
        while (m.find()) {
            if (!m.group(1).equals(name) || !hasLabels(m.group(2) == null ? "" : m.group(2), labels)) {
                continue;
            }
            if (found.isPresent()) {
                throw new AssertionError("several samples of " + name + labels + " in:\n" + body);
            }
            found = Optional.of(Double.parseDouble(m.group(3)));
        }
        return found;
    }

    private static boolean hasLabels(String labelText, Map<String, String> wanted) {
        Map<String, String> seen = new java.util.HashMap<>();
        Matcher l = LABEL.matcher(labelText);
        while (l.find()) {
            seen.put(l.group(1), l.group(2));
        }
        return seen.entrySet().containsAll(wanted.entrySet());
    }
}
