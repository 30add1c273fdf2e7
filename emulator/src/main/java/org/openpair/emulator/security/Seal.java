package org.openpair.emulator.security;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The MAC a record carries in the engine: made by its writer with the node key over the
 * record's key in its table and its encoding without the seal ({@link SealedTable}). A value
 * type, so that two records with the same seal are equal, as the engine's conditional writes
 * and the in-memory tables compare them.
 *
 * @param mac the HMAC-SHA256 of the record for its table's purpose
 */
public record Seal(byte[] mac) {
    public Seal {
        mac = mac.clone();
    }

    @Override
    public byte[] mac() {
        return mac.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Seal other && Arrays.equals(mac, other.mac);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(mac);
    }

    @Override
    public String toString() {
        return "Seal[" + HexFormat.of().formatHex(mac, 0, Math.min(4, mac.length)) + "…]";
    }
}
