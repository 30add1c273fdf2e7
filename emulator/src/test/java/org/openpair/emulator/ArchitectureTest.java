package org.openpair.emulator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import java.io.Serializable;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import org.junit.jupiter.api.Test;

/**
 * The layout the design notes promise, checked on the compiled classes: the engine behind one
 * package, Micrometer behind another, no package cycle, a codec and a public API that depend on
 * nothing of the runtime.
 */
class ArchitectureTest {
    private static final JavaClasses RUNTIME = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.openpair.emulator");
    private static final JavaClasses API = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.openpair.guardian");

    @Test
    void onlyTheClusterPackage_touchesTheEngine() {
        noClasses().that().resideOutsideOfPackage("org.openpair.emulator.cluster..")
                .should().dependOnClassesThat().resideInAPackage("com.hazelcast..")
                .check(RUNTIME);
    }

    @Test
    void onlyTheMetricsPackage_touchesMicrometer() {
        // Micrometer's types never reach another package's signatures either: to name one there,
        // that package would have to depend on it.
        noClasses().that().resideOutsideOfPackage("org.openpair.emulator.metrics..")
                .should().dependOnClassesThat().resideInAnyPackage("io.micrometer..", "io.prometheus..")
                .check(RUNTIME);
    }

    @Test
    void onlyTheDefaultBackendsConfiguration_touchesJavaUtilLogging() {
        // Everything logs through SLF4J (System.Logger by its bridge); java.util.logging is only the
        // default backend, whose configuration is launch.Logging. A direct caller would bypass a
        // backend an application swapped in, and its lines would be lost or formatted apart.
        noClasses().that().doNotBelongToAnyOf(org.openpair.emulator.launch.Logging.class)
                .should().dependOnClassesThat().resideInAPackage("java.util.logging..")
                .check(RUNTIME);
    }

    @Test
    void theMetrics_dependOnNothingOfTheRuntimeButItsThreads() {
        classes().that().resideInAPackage("org.openpair.emulator.metrics..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("org.openpair.emulator.metrics..",
                        "org.openpair.emulator.threads..", "org.openpair.guardian..", "io.micrometer..",
                        "io.prometheus..", "com.sun.net.httpserver..", "java..")
                .check(RUNTIME);
    }

    @Test
    void theRuntimesPackages_haveNoCycle() {
        slices().matching("org.openpair.emulator.(*)..").should().beFreeOfCycles().check(RUNTIME);
    }

    @Test
    void theCodec_dependsOnNothingOfTheRuntime() {
        classes().that().resideInAPackage("org.openpair.emulator.codec..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("org.openpair.emulator.codec..",
                        "org.openpair.guardian..", "java..")
                .check(RUNTIME);
    }

    @Test
    void theEngine_dependsOnNothingOfTheRuntimeButTheCodecAndItsThreads() {
        classes().that().resideInAPackage("org.openpair.emulator.cluster..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("org.openpair.emulator.cluster..",
                        "org.openpair.emulator.codec..", "org.openpair.emulator.threads..", "com.hazelcast..", "java..")
                .check(RUNTIME);
    }

    @Test
    void thePublicApi_isPlainJava_andNotTheWireFormat() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("com.hazelcast..", "jnr..", "org.openpair.emulator..")
                .check(API);
        // An enum and an exception are Serializable by birth; no other type of the API may be.
        classes().that().areNotEnums().and().areNotAssignableTo(Throwable.class)
                .should().notBeAssignableTo(Serializable.class).check(API);
    }
}
