package org.openpair.emulator.events;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.openpair.emulator.json.Json;
import org.openpair.emulator.names.Epochs;

/**
 * One line of the event log: {@code event}, logged at {@code time} by CPU {@code cpu} of node
 * {@code node}, at {@code seq} in the node's ring. The sequence is the ring's (ascending across
 * the node, gap-free while the ring is not overwritten); -1 for a line of a CPU's own file
 * written while the ring could not be reached.
 */
public record EventRecord(long seq, Instant time, String node, int cpu, Event event) {
    private static final DateTimeFormatter TEXT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC);

    public EventRecord {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(event, "event");
    }

    /** The same record at sequence {@code seq}, as the ring placed it. */
    EventRecord at(long seq) {
        return new EventRecord(seq, time, node, cpu, event);
    }

    /**
     * The readable line: {@code seq time(UTC) \NODE cpuN Kind field=value ...}; a value with a
     * space or a quote is quoted, an epoch reads {@code counter@cpu}.
     */
    public String text() {
        StringBuilder sb = new StringBuilder().append(seq).append(' ').append(TEXT_TIME.format(time)).append(" \\")
                .append(node).append(" cpu").append(cpu).append(' ').append(event.kind());
        for (Map.Entry<String, Object> f : event.fields().entrySet()) {
            // An epoch reads as ppd shows it (counter@cpu); JSON keeps the number.
            Object v = f.getKey().equals("epoch") && f.getValue() instanceof Long e ? Epochs.format(e) : f.getValue();
            sb.append(' ').append(f.getKey()).append('=').append(quoted(String.valueOf(v)));
        }
        return sb.toString();
    }

    /** The JSON line: seq, time (ISO-8601, UTC), node, cpu, kind, then the kind's fields. */
    public String json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", seq);
        m.put("time", time.toString());
        m.put("node", node);
        m.put("cpu", cpu);
        m.put("kind", event.kind());
        m.putAll(event.fields());
        return Json.of(m);
    }

    private static String quoted(String v) {
        if (!v.isEmpty() && v.chars().noneMatch(c -> c == ' ' || c == '"' || c == '\\' || c < 0x20)) {
            return v;
        }
        StringBuilder sb = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(' ');
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    @Override
    public String toString() {
        return text();
    }
}
