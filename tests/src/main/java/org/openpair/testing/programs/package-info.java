/**
 * Hosted programs ({@link org.openpair.guardian.GuardianProgram}s) for tests. They are on the
 * class path of every CPU JVM a {@link org.openpair.testing.TestCluster} starts.
 */
package org.openpair.testing.programs;
