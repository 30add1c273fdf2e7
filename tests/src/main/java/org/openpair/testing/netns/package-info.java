/**
 * Real network partitions on one machine: {@link org.openpair.emulator.netns.NetnsLab} (in the
 * emulator, since {@code guardian chaos} uses it too) builds Linux network namespaces joined by a
 * bridge in the root namespace and cuts and heals their links;
 * {@link org.openpair.testing.netns.NetnsNode} runs one CPU JVM per namespace and gives
 * the test Hazelcast clients (in the root namespace, over the bridge) that see the whole node or
 * one side of a split. Needs root and iproute2; a lab that cannot be built says why
 * ({@link org.openpair.emulator.netns.NetnsLab.Unavailable}), so a test can skip.
 *
 * <p>Traffic goes only to loopback and to the lab's own namespaces; names carry the test JVM's
 * pid; everything is removed on close, by a shutdown hook, and (for a JVM killed outright) by the
 * next lab's sweep of names whose pid is gone.
 */
package org.openpair.testing.netns;
