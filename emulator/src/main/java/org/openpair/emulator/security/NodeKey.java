package org.openpair.emulator.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;

/**
 * The node's shared secret, like Corosync's authkey: 32 random bytes in a file only its owner
 * can read. Whoever holds it may speak on a CPU's link and call a CPU's procedures; records the
 * engine stores for the node carry a MAC made with it, since the engine itself (Hazelcast open
 * source) lets anyone who reaches its port read and write.
 *
 * <p>Each use has its own purpose string, and the MAC for a purpose is made with a key derived
 * for that purpose alone, so a MAC made for one use (a link proof, say) is never accepted for
 * another (a name entry). HMAC-SHA256 of the JDK; comparisons take constant time.
 *
 * <p>The file is one line, {@code openpair-node-key-v1 <base64 of 32 bytes>}, so it survives
 * being copied between machines by any means; it must be a regular file of mode 0600 (or
 * 0400) owned by the user reading it, and a file anyone else can read is refused outright
 * rather than used, since the key in it may already be known.
 */
public final class NodeKey {
    public static final int KEY_BYTES = 32;
    public static final int MAC_BYTES = 32;
    private static final String HEADER = "openpair-node-key-v1";
    private static final String HMAC = "HmacSHA256";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_READ = PosixFilePermissions.fromString("r--------");

    private final byte[] key;
    private final String fingerprint;
    private final ConcurrentMap<String, SecretKeySpec> derived = new ConcurrentHashMap<>();

    private NodeKey(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("a node key is " + KEY_BYTES + " bytes, not " + key.length);
        }
        this.key = key.clone();
        this.fingerprint = fingerprintOf(this.key);
    }

    /** A key of these bytes, for tests and for a key received by other means than a file. */
    public static NodeKey of(byte[] key) {
        return new NodeKey(key);
    }

    /** A new random key, not yet in any file. */
    public static NodeKey random() {
        byte[] b = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(b);
        return new NodeKey(b);
    }

    /**
     * Reads a key file. Error 11 when it does not exist, 48 when anyone but its owner may read
     * or write it or another user owns it, 2 when its content is not a node key.
     */
    public static NodeKey load(Path file) {
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                    throw new GuardianException(GuardianError.NOT_FOUND, "node key file " + file + " does not exist");
                }
                throw new GuardianException(GuardianError.SECURITY, "node key file " + file + " is not a regular file");
            }
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            if (!mode.equals(OWNER_ONLY) && !mode.equals(OWNER_READ)) {
                throw new GuardianException(GuardianError.SECURITY, "node key file " + file + " has mode "
                        + PosixFilePermissions.toString(mode) + "; it must be rw------- (chmod 600)");
            }
            String owner = Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName();
            String me = System.getProperty("user.name");
            if (!owner.equals(me)) {
                throw new GuardianException(GuardianError.SECURITY, "node key file " + file + " belongs to " + owner
                        + ", not to " + me);
            }
            return parse(file, Files.readString(file, StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
            throw new GuardianException(GuardianError.NOT_FOUND, "node key file " + file + " does not exist");
        } catch (IOException e) {
            throw new GuardianException(GuardianError.SECURITY, "node key file " + file + " cannot be read: " + e);
        }
    }

    private static NodeKey parse(Path file, String text) {
        String[] words = text.strip().split("\\s+");
        if (words.length != 2 || !words[0].equals(HEADER)) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "node key file " + file
                    + " is not a node key (made by 'guardian key new')");
        }
        byte[] b;
        try {
            b = Base64.getDecoder().decode(words[1]);
        } catch (IllegalArgumentException e) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "node key file " + file + " is damaged: " + e.getMessage());
        }
        if (b.length != KEY_BYTES) {
            throw new GuardianException(GuardianError.INVALID_OPERATION, "node key file " + file + " holds "
                    + b.length + " bytes; a node key is " + KEY_BYTES);
        }
        return new NodeKey(b);
    }

    /**
     * Writes this key to a new file of mode 0600; error 12 if the file exists (a key is never
     * overwritten by accident: every CPU holding the old one would be locked out). The file is
     * created with its mode, never widened after.
     */
    public void writeNew(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            byte[] text = (HEADER + " " + Base64.getEncoder().encodeToString(key) + "\n").getBytes(StandardCharsets.US_ASCII);
            try (var ch = Files.newByteChannel(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(OWNER_ONLY))) {
                ch.write(java.nio.ByteBuffer.wrap(text));
            }
        } catch (FileAlreadyExistsException e) {
            throw new GuardianException(GuardianError.IN_USE, "node key file " + file + " already exists");
        } catch (IOException e) {
            throw new GuardianException(GuardianError.SECURITY, "cannot write node key file " + file + ": " + e);
        }
    }

    /** A short public name of this key (16 hex digits of a hash), for logs and errors; never the key. */
    public String fingerprint() {
        return fingerprint;
    }

    /** The MAC of {@code parts} for {@code purpose}: each part is length-prefixed, so parts cannot slide into each other. */
    public byte[] mac(String purpose, byte[]... parts) {
        Mac m = hmac(derived.computeIfAbsent(purpose, this::derive));
        byte[] len = new byte[4];
        for (byte[] p : parts) {
            len[0] = (byte) (p.length >>> 24);
            len[1] = (byte) (p.length >>> 16);
            len[2] = (byte) (p.length >>> 8);
            len[3] = (byte) p.length;
            m.update(len);
            m.update(p);
        }
        return m.doFinal();
    }

    /** Whether {@code mac} is this key's MAC of {@code parts} for {@code purpose}; constant time. */
    public boolean verify(String purpose, byte[] mac, byte[]... parts) {
        return mac != null && MessageDigest.isEqual(mac(purpose, parts), mac);
    }

    private SecretKeySpec derive(String purpose) {
        Mac m = hmac(new SecretKeySpec(key, HMAC));
        return new SecretKeySpec(m.doFinal(("openpair/" + purpose).getBytes(StandardCharsets.UTF_8)), HMAC);
    }

    private static Mac hmac(SecretKeySpec k) {
        try {
            Mac m = Mac.getInstance(HMAC);
            m.init(k);
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + HMAC, e);
        }
    }

    private static String fingerprintOf(byte[] key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(concat("openpair-fingerprint".getBytes(StandardCharsets.US_ASCII), key));
            return HexFormat.of().formatHex(Arrays.copyOf(h, 8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Override
    public String toString() {
        return "NodeKey[" + fingerprint + "]";
    }
}
