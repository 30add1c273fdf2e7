/**
 * {@code guardian bench}: benchmarks of the emulator, each reported next to a Hazelcast
 * baseline measured in the same run, in one shape for every figure (DESIGN.md, "Benchmarks:
 * one shape for every figure"): a readable table, or with {@code --json} one JSON object per
 * line and per case, preceded by a description of the machine.
 *
 * <p>Run: {@code ./guardian bench spawn} (add {@code --json} for scripts, {@code --smoke} for
 * a quick check with small counts).
 */
package org.openpair.bench;
