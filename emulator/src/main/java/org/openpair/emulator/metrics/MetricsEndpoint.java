package org.openpair.emulator.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.openpair.emulator.threads.SystemThreads;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * One CPU's metrics over HTTP: {@code GET /metrics} answers the Prometheus text format, every
 * other request 404. The JDK's own server, on one thread of the emulator's: a scrape every few
 * seconds needs no more, and nothing else is served. Meters carry the tags {@code node} and
 * {@code cpu}, so the endpoints of a node's CPUs can be scraped into one series set.
 */
public final class MetricsEndpoint implements AutoCloseable {
    public static final String PATH = "/metrics";
    /** The text format's own content type (version 0.0.4), which Prometheus negotiates down to. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final byte[] NOT_FOUND = ("only GET " + PATH + " is served here\n").getBytes(StandardCharsets.UTF_8);

    private final PrometheusMeterRegistry registry;
    private final MicrometerCpuMetrics metrics;
    private final HttpServer server;
    private final ExecutorService thread;

    private MetricsEndpoint(PrometheusMeterRegistry registry, HttpServer server, int cpu) {
        this.registry = registry;
        this.metrics = new MicrometerCpuMetrics(registry);
        this.server = server;
        this.thread = Executors.newSingleThreadExecutor(r -> SystemThreads.daemon(r, "cpu" + cpu + "-metrics"));
        server.setExecutor(thread);
        server.createContext("/", this::handle);
    }

    /**
     * Binds the endpoint of CPU {@code cpu} and starts serving.
     *
     * @throws GuardianException 12 the address is in use; 66 it cannot be bound otherwise (no such
     *                           local address)
     */
    public static MetricsEndpoint open(String node, int cpu, String host, int port) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (BindException e) {
            throw new GuardianException(GuardianError.IN_USE, "CPU " + cpu + ": metrics address " + host + ":" + port
                    + " is already in use (the metrics-port setting gives CPU n the port + n)");
        } catch (IOException | RuntimeException e) {
            throw new GuardianException(GuardianError.DEVICE_DOWN, "CPU " + cpu + ": cannot serve metrics at " + host
                    + ":" + port + ": " + e, e);
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("node", node, "cpu", Integer.toString(cpu));
        MetricsEndpoint endpoint = new MetricsEndpoint(registry, server, cpu);
        server.start();
        return endpoint;
    }

    /** What the CPU counts into this endpoint's registry. */
    public CpuMetrics metrics() {
        return metrics;
    }

    /** Serves the {@code openpair_processes} gauges from {@code census}; once, when the CPU's process table exists. */
    public void countProcesses(ProcessCensus census) {
        metrics.countProcesses(registry, census);
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            boolean metricsGet = "GET".equals(exchange.getRequestMethod())
                    && PATH.equals(exchange.getRequestURI().getPath());
            byte[] body = metricsGet ? registry.scrape().getBytes(StandardCharsets.UTF_8) : NOT_FOUND;
            exchange.getResponseHeaders().set("Content-Type", metricsGet ? CONTENT_TYPE : "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(metricsGet ? 200 : 404, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } finally {
            exchange.close();
        }
    }

    /** Stops serving at once (a scrape in flight is cut off) and frees the port. */
    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
        registry.close();
    }
}
