package org.openpair.emulator.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

class NodeKeyTest {
    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writtenKeyIsOwnerOnlyAndReadsBackTheSame() throws Exception {
        NodeKey key = NodeKey.random();
        Path file = dir.resolve("sub/node.key");
        key.writeNew(file);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        NodeKey read = NodeKey.load(file);
        assertEquals(key.fingerprint(), read.fingerprint());
        assertArrayEquals(key.mac("p", b("x")), read.mac("p", b("x")));
    }

    @Test
    void anExistingFileIsNeverOverwritten() throws Exception {
        Path file = dir.resolve("node.key");
        NodeKey first = NodeKey.random();
        first.writeNew(file);
        String before = Files.readString(file);
        GuardianException e = assertThrows(GuardianException.class, () -> NodeKey.random().writeNew(file));
        assertEquals(GuardianError.IN_USE.number(), e.error());
        assertEquals(before, Files.readString(file));
    }

    @Test
    void aKeyOthersMayReadIsRefused() throws Exception {
        Path file = dir.resolve("node.key");
        NodeKey.random().writeNew(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        GuardianException e = assertThrows(GuardianException.class, () -> NodeKey.load(file));
        assertEquals(GuardianError.SECURITY.number(), e.error());
        assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
    }

    @Test
    void missingAndDamagedFilesAreRefusedByNumber() throws Exception {
        assertEquals(GuardianError.NOT_FOUND.number(),
                assertThrows(GuardianException.class, () -> NodeKey.load(dir.resolve("none"))).error());
        Path bad = dir.resolve("bad.key");
        Files.writeString(bad, "openpair-node-key-v1 AAAA\n");
        Files.setPosixFilePermissions(bad, PosixFilePermissions.fromString("rw-------"));
        assertEquals(GuardianError.INVALID_OPERATION.number(), assertThrows(GuardianException.class, () -> NodeKey.load(bad)).error());
        Files.writeString(bad, "hello\n");
        assertEquals(GuardianError.INVALID_OPERATION.number(), assertThrows(GuardianException.class, () -> NodeKey.load(bad)).error());
        assertEquals(GuardianError.SECURITY.number(), assertThrows(GuardianException.class, () -> NodeKey.load(dir)).error());
    }

    @Test
    void aMacIsBoundToItsPurposeItsKeyAndItsPartBoundaries() {
        NodeKey key = NodeKey.random();
        byte[] mac = key.mac("name-entry", b("ab"), b("c"));
        assertTrue(key.verify("name-entry", mac, b("ab"), b("c")));
        assertFalse(key.verify("link-proof", mac, b("ab"), b("c")));
        assertFalse(key.verify("name-entry", mac, b("a"), b("bc")));
        assertFalse(NodeKey.random().verify("name-entry", mac, b("ab"), b("c")));
        assertFalse(key.verify("name-entry", null, b("ab"), b("c")));
        assertNotEquals(key.fingerprint(), NodeKey.random().fingerprint());
        assertFalse(key.toString().contains(java.util.Base64.getEncoder().encodeToString(key.mac("x"))));
    }
}
