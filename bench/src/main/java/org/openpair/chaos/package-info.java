/**
 * {@code guardian chaos}: a Jepsen-style run with a history checker. {@link
 * org.openpair.chaos.ChaosRun} starts a private node of CPU JVMs (each in a network
 * namespace of its own where possible), runs three pairs under concurrent clients that record
 * every request as invoked, then ok, failed or unknown ({@code Requests}, {@code History}),
 * makes a seeded plan of real faults one after another ({@code FaultPlan}, {@code
 * FaultInjector}), reads every pair back ({@code FinalReader}) and checks the history against the
 * final state ({@code Checker}, {@code LedgerCheck}, {@code KvCheck}: pure functions, tested with
 * hand-made histories). {@link org.openpair.chaos.ChaosReport} prints the counts per
 * fault kind, in a table or as JSON lines.
 */
package org.openpair.chaos;
