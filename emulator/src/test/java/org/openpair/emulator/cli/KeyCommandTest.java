package org.openpair.emulator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpair.emulator.config.ConfigSources;
import org.openpair.emulator.security.NodeKey;

/**
 * {@code guardian key new} and {@code key show}, and the key-file setting through flag, variable
 * and config file: a key is written 0600 and never overwritten, an unsafe or missing file is
 * refused with its Guardian error, and no key is looked for where none was named.
 */
@org.junit.jupiter.api.Timeout(120)
class KeyCommandTest {
    @TempDir
    Path dir;

    private final Map<String, String> env = new HashMap<>();

    private ConfigSources sources() {
        return new ConfigSources(dir, dir.resolve("home"), env, dir.resolve("etc"));
    }

    private InProcess.Result guardian(String... args) {
        return InProcess.execute(sources(), args);
    }

    @Test
    void keyNew_writesAnOwnerOnlyFile_printsItsFingerprint_andNeverOverwrites() throws IOException {
        Path file = dir.resolve("keys").resolve("node.key");
        InProcess.Result made = guardian("key", "new", "--key-file", file.toString());
        assertThat(made.exitCode()).as(made.toString()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String fingerprint = NodeKey.load(file).fingerprint();
        assertThat(made.out()).contains(file.toString()).contains(fingerprint);
        String content = Files.readString(file);
        assertThat(made.out()).doesNotContain(content.strip().split(" ")[1]);

        InProcess.Result again = guardian("key", "new", "--key-file", file.toString());
        assertThat(again.exitCode()).as(again.toString()).isEqualTo(ExitCodes.GUARDIAN_ERROR);
        assertThat(again.err()).contains("12").contains("already exists");
        assertThat(Files.readString(file)).as("the first key is untouched").isEqualTo(content);

        InProcess.Result shown = guardian("key", "show", "--key-file", file.toString());
        assertThat(shown.exitCode()).as(shown.toString()).isZero();
        assertThat(shown.out()).isEqualTo(file + "  " + fingerprint + "\n");
        InProcess.Result json = guardian("key", "show", "--key-file", file.toString(), "--json");
        assertThat(json.out()).contains("\"fingerprint\":\"" + fingerprint + "\"");
    }

    @Test
    void keyShow_refusesAFileOthersMayRead_aMissingOne_andADamagedOne() throws IOException {
        Path file = dir.resolve("node.key");
        NodeKey.random().writeNew(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        InProcess.Result open = guardian("key", "show", "--key-file", file.toString());
        assertThat(open.exitCode()).isEqualTo(ExitCodes.GUARDIAN_ERROR);
        assertThat(open.err()).contains("48").contains("chmod 600");
        assertThat(open.out()).isEmpty();

        InProcess.Result missing = guardian("key", "show", "--key-file", dir.resolve("none.key").toString());
        assertThat(missing.exitCode()).isEqualTo(ExitCodes.GUARDIAN_ERROR);
        assertThat(missing.err()).contains("11").contains("does not exist");

        Path damaged = dir.resolve("damaged.key");
        Files.writeString(damaged, "openpair-node-key-v1 not*base64\n");
        Files.setPosixFilePermissions(damaged, PosixFilePermissions.fromString("rw-------"));
        InProcess.Result bad = guardian("key", "show", "--key-file", damaged.toString());
        assertThat(bad.exitCode()).isEqualTo(ExitCodes.GUARDIAN_ERROR);
        assertThat(bad.err()).contains("2").contains("damaged");
    }

    @Test
    void withoutAKeyFileNamed_keyNewAndShowAreUsageErrors_andNothingIsWritten() throws IOException {
        // A key in the places a config file is searched for is not picked up: only a setting names one.
        Files.createDirectories(dir.resolve("etc"));
        NodeKey.random().writeNew(dir.resolve("etc").resolve("OPENPAIR.key"));
        InProcess.Result made = guardian("key", "new");
        assertThat(made.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(made.err()).contains("no key file is named");
        InProcess.Result shown = guardian("key", "show");
        assertThat(shown.exitCode()).isEqualTo(ExitCodes.USAGE);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("etc");
        }
    }

    @Test
    void keyFile_comesFromTheFlag_elseTheVariable_elseTheConfigFileRelativeToIt() throws IOException {
        Path conf = dir.resolve("conf");
        Files.createDirectories(conf);
        NodeKey fromFile = NodeKey.random();
        fromFile.writeNew(conf.resolve("file.key"));
        Files.writeString(conf.resolve("openpair.yaml"), "key-file: file.key\n");
        env.put("OPENPAIR_CONFIG", conf.resolve("openpair.yaml").toString());
        assertThat(guardian("key", "show").out()).contains(fromFile.fingerprint())
                .contains(conf.resolve("file.key").toString());

        NodeKey fromEnv = NodeKey.random();
        fromEnv.writeNew(dir.resolve("env.key"));
        env.put("OPENPAIR_KEY_FILE", dir.resolve("env.key").toString());
        assertThat(guardian("key", "show").out()).contains(fromEnv.fingerprint());

        NodeKey fromFlag = NodeKey.random();
        fromFlag.writeNew(dir.resolve("flag.key"));
        assertThat(guardian("key", "show", "--key-file", dir.resolve("flag.key").toString()).out())
                .contains(fromFlag.fingerprint());

        // key new writes where the setting points, here the variable's file, which exists: 12
        InProcess.Result made = guardian("key", "new");
        assertThat(made.exitCode()).isEqualTo(ExitCodes.GUARDIAN_ERROR);
        assertThat(made.err()).contains("12");
        assertThat(NodeKey.load(dir.resolve("env.key")).fingerprint()).isEqualTo(fromEnv.fingerprint());
    }

    @Test
    void anUnsafeKeyFile_refusesEveryCommandThatUsesTheNode_withError48() throws IOException {
        Path file = dir.resolve("node.key");
        NodeKey.random().writeNew(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw----"));
        int port = org.openpair.emulator.config.LoopbackPorts.block(16);
        for (String[] args : new String[][] {{"status"}, {"cpus"}, {"cpu", "start", "--cpu", "0"},
                {"node", "up", "--cpus", "1"}}) {
            String[] withKey = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                    java.util.stream.Stream.of("--key-file", file.toString(), "--base-port", String.valueOf(port))).toArray(String[]::new);
            InProcess.Result r = guardian(withKey);
            assertThat(r.exitCode()).as(String.join(" ", args) + ": " + r).isEqualTo(ExitCodes.GUARDIAN_ERROR);
            assertThat(r.err()).as(String.join(" ", args)).contains("48").contains(file.toString());
        }
        // nothing started: nothing listens on the node's first port
        try (java.net.Socket s = new java.net.Socket()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.connect(
                    new java.net.InetSocketAddress("127.0.0.1", port), 1000)).isInstanceOf(IOException.class);
        }
    }
}
