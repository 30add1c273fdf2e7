package org.openpair.guardian;

import java.time.Instant;

/**
 * A CPU of the node that is up.
 *
 * @param cpu       its number, 0-15
 * @param address   the host:port its member listens on
 * @param started   when it joined
 * @param processes how many processes it runs now
 */
public record CpuInfo(int cpu, String address, Instant started, int processes) {
}
