package org.openpair.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.openpair.emulator.cli.GuardianCommand;

import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * The man pages in {@code man/} are generated from the command model, so help and man never
 * disagree. It runs here, where the whole command is on the class path: the runtime's
 * subcommands and those the {@code bench} module adds ({@code bench}, {@code chaos}). This test
 * fails when a page is out of date, missing, or left without its command; regenerate them with
 * {@code mvn -pl tests -am test -Dtest=ManPagesTest -Dsurefire.failIfNoSpecifiedTests=false -Dman.update=true}.
 */
class ManPagesTest {
    private static final Path MAN = Path.of(System.getProperty("man.dir", "../man"));

    @Test
    void manPages_matchTheCommandModel() throws IOException {
        Map<String, String> pages = new TreeMap<>();
        collect(GuardianCommand.commandLine(), pages);
        if (Boolean.getBoolean("man.update")) {
            // Only the generated pages (guardian*.adoc) are touched, and only those that changed,
            // so the hand-written pages beside them stay and unchanged troff is not made stale.
            Files.createDirectories(MAN);
            try (var old = Files.newDirectoryStream(MAN, "guardian*.adoc")) {
                for (Path p : old) {
                    if (!pages.containsKey(p.getFileName().toString())) {
                        Files.delete(p);
                    }
                }
            }
            for (var e : pages.entrySet()) {
                Path file = MAN.resolve(e.getKey());
                if (!Files.exists(file) || !Files.readString(file).equals(e.getValue())) {
                    Files.writeString(file, e.getValue());
                }
            }
        }
        for (var e : pages.entrySet()) {
            Path file = MAN.resolve(e.getKey());
            assertThat(file).as("man page %s is missing: regenerate with -Dman.update=true", file).exists();
            assertThat(Files.readString(file)).as("man page %s is out of date: regenerate with -Dman.update=true", file)
                    .isEqualTo(e.getValue());
        }
        try (var present = Files.newDirectoryStream(MAN, "guardian*.adoc")) {
            for (Path p : present) {
                assertThat(pages).as("man page %s has no command any more", p).containsKey(p.getFileName().toString());
            }
        }
    }

    private static void collect(CommandLine cl, Map<String, String> pages) {
        CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
        if (spec.name().equals("help")) {
            return;
        }
        StringWriter text = new StringWriter();
        try (PrintWriter pw = new PrintWriter(text)) {
            ManPageGenerator.writeSingleManPage(pw, spec);
        }
        pages.put(spec.qualifiedName("-") + ".adoc", text.toString());
        for (CommandLine sub : cl.getSubcommands().values()) {
            collect(sub, pages);
        }
    }
}
