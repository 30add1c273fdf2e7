package org.openpair.tests;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openpair.guardian.Guardian;
import org.openpair.testing.TestCluster;

/**
 * One {@link TestCluster} for a whole test class: started before its first test, closed after
 * its last, and before each test brought back to every CPU up ({@link TestCluster#restartStopped}),
 * so a test may kill or freeze CPUs without spoiling the next one. Registered on a static field:
 *
 * {@snippet :
 * @RegisterExtension
 * static final SharedCluster NODE = SharedCluster.cpus(2);
 * }
 */
final class SharedCluster implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
    private final int cpus;
    private TestCluster cluster;
    private Guardian guardian;

    private SharedCluster(int cpus) {
        this.cpus = cpus;
    }

    /** A node of {@code count} CPU JVMs for the class. */
    static SharedCluster cpus(int count) {
        return new SharedCluster(count);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster = TestCluster.start(cpus);
        guardian = cluster.guardian();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        cluster().restartStopped();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster != null) {
            cluster.close();
            cluster = null;
            guardian = null;
        }
    }

    /** The class's node. */
    TestCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("the shared cluster runs only between the class's first and last test");
        }
        return cluster;
    }

    /** The operator's Guardian procedures on the class's node, one instance for the class. */
    Guardian guardian() {
        cluster();
        return guardian;
    }
}
