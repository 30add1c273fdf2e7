/**
 * {@code guardian bench}: benchmarks of the emulator, each reported next to the floor of its
 * thread model ({@code Floors}: a TCP round trip with a parked or a spinning requester, or the
 * Hazelcast operation it competes with) measured in the same run, in one shape for every figure
 * (DESIGN.md, "Benchmarks: one shape for every figure"): a readable table, or with
 * {@code --json} one JSON object per line and per case, preceded by a description of the machine.
 *
 * <p>Run: {@code ./guardian bench spawn} (add {@code --json} for scripts, {@code --smoke} for
 * a quick check with small counts); {@code ./guardian bench floors} prints the floors alone.
 */
package org.openpair.bench;
