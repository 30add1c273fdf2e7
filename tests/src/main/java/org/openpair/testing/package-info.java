/**
 * The multi-JVM test harness: {@link org.openpair.testing.TestCluster} starts a node's CPUs as
 * separate {@code guardian cpu start} JVMs on loopback and kills, freezes and restarts them for
 * real; {@link org.openpair.testing.GuardianCli} runs the {@code guardian} command in the test
 * JVM and captures its output; {@link org.openpair.testing.TestPorts} finds free port blocks and
 * {@link org.openpair.testing.ProcStat} tells whether an OS process is really gone.
 *
 * <p>Rules the harness keeps, and tests built on it should too: loopback only, real members and
 * real signals, waits on conditions with generous bounds (never a sleep as synchronization, never
 * an assertion about speed), every loop bounded in count and time.
 */
package org.openpair.testing;
