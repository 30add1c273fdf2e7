/**
 * A CPU's metrics and the endpoint that serves them: one Prometheus endpoint per CPU, off unless
 * the node's {@code metrics-port} setting is given (CPU n at that port + n).
 *
 * <p>The only package that knows Micrometer. The rest of the runtime sees
 * {@link org.openpair.emulator.metrics.CpuMetrics}, a small interface of this project's own whose
 * {@link org.openpair.emulator.metrics.CpuMetrics#NONE} does nothing, so a CPU without metrics
 * pays one call to an empty method where it would count, and the instrumented code neither
 * imports nor allocates anything of Micrometer. {@link org.openpair.emulator.metrics.MetricsEndpoint}
 * owns the registry and the JDK's HTTP server, and gives the process table's counts to the
 * gauges through {@link org.openpair.emulator.metrics.ProcessCensus}, so this package depends on
 * no other package of the runtime but its threads.
 */
package org.openpair.emulator.metrics;
