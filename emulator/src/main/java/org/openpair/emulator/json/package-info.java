/**
 * The JSON the {@code guardian} command writes, for its {@code --json} output and the
 * benchmarks' lines: one small writer ({@link org.openpair.emulator.json.Json}), no parser.
 */
package org.openpair.emulator.json;
