package org.openpair.emulator.cli;

import org.openpair.emulator.config.ConfigSources;

/**
 * What the {@code guardian} script's Class Data Sharing training run loads besides the call it
 * makes: that call ({@code status} against no node) cannot take the admin socket, so the classes
 * of that path are initialized here (the codecs' lambdas with them, which the archive keeps
 * too), the node key is made, written, read and used once (a keyed node's command does all of
 * that), the full command model is built once so every subcommand's classes are archived, and
 * the logging path is started.
 * Nothing here runs unless {@value #PROPERTY} is set.
 */
final class CdsTraining {
    static final String PROPERTY = "openpair.cdsTraining";

    private static final String[] ADMIN_PATH = {
            "org.openpair.emulator.attach.AdminConnection",
            "org.openpair.emulator.attach.AttachClient",
            "org.openpair.emulator.attach.AttachChannel",
            "org.openpair.emulator.attach.AttachFrames",
            "org.openpair.emulator.attach.AttachCodecs",
            "org.openpair.emulator.attach.AttachCalls",
            "org.openpair.emulator.attach.RemoteGuardian",
            "org.openpair.emulator.attach.RemoteFile",
            "org.openpair.emulator.attach.RemoteSemaphore",
            "org.openpair.emulator.attach.AdminProof",
            "org.openpair.emulator.codec.GuardianCodecs",
            "org.openpair.emulator.cli.Views",
            "org.openpair.emulator.json.Json"};

    private CdsTraining() {
    }

    static void loadIfTraining() {
        if (!Boolean.getBoolean(PROPERTY)) {
            return;
        }
        ClassLoader loader = CdsTraining.class.getClassLoader();
        for (String name : ADMIN_PATH) {
            try {
                Class.forName(name, true, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                // A class renamed since: the archive is only a little less complete.
            }
        }
        // A node with a key: the command reads its file and proves it (the JDK's HMAC and its provider).
        org.openpair.emulator.security.NodeKey key = org.openpair.emulator.security.NodeKey.random();
        key.verify("cds-training", key.mac("cds-training", new byte[1]), new byte[1]);
        try {
            java.nio.file.Path file = java.nio.file.Files.createTempDirectory("openpair-cds").resolve("k");
            key.writeNew(file);
            org.openpair.emulator.security.NodeKey.load(file);
            java.nio.file.Files.delete(file);
            java.nio.file.Files.delete(file.getParent());
        } catch (java.io.IOException | RuntimeException e) {
            // only the archive is a little less complete
        }
        GuardianCommand.commandLine(ConfigSources.system());
        // The first System.Logger of a call starts SLF4J (its providers, the binding, the bridge's
        // logger) and a log call below the level still maps the level: a call that logs nothing
        // loads all of that too. Below WARNING, so the training prints nothing.
        System.getLogger(CdsTraining.class.getName()).log(System.Logger.Level.TRACE, "training");
    }
}
