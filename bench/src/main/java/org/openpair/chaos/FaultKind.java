package org.openpair.chaos;

/** The faults a chaos run makes, each with the name the report and {@code --json} use. */
enum FaultKind {
    /** SIGKILL of the JVM of the target pair's primary's CPU; the CPU is started again. */
    KILL_PRIMARY_CPU("kill-primary-cpu"),
    /** SIGKILL of the JVM of the backup's CPU; the CPU is started again. */
    KILL_BACKUP_CPU("kill-backup-cpu"),
    /** CHECKSWITCH from the operator while the clients keep sending. */
    SWITCH("switch"),
    /** A switch, then after 0-500 ms (the plan's) SIGKILL of the new primary's CPU. */
    SWITCH_THEN_KILL("switch-kill-new-primary-cpu"),
    /** SIGSTOP of the primary's CPU until a new primary is named (past the heartbeat timeout), then SIGCONT. */
    FREEZE_PRIMARY_CPU("freeze-primary-cpu"),
    /**
     * SIGSTOP of the primary's CPU for a time of the plan's, then SIGCONT: just below or just above
     * the CPUs' lease (without a lease, less than half the heartbeat timeout).
     */
    PAUSE_PRIMARY_CPU("pause-primary-cpu"),
    /** SIGKILL of the primary process alone: the OS pair's primary JVM. */
    KILL_PRIMARY_PROCESS("kill-primary-process"),
    /**
     * The key-value state grown past 4 MiB, SIGKILL of the backup's CPU so a new backup is made on
     * the large state, then (the killed CPU back, every pair's backup ready again) SIGKILL of the
     * primary's CPU.
     */
    GROW_STATE_THEN_KILL("grow-state-kill"),
    /** The primary's CPU cut off from the others, then healed. */
    PARTITION_PRIMARY("partition-primary"),
    /** The backup's CPU cut off from the others, then healed. */
    PARTITION_BACKUP("partition-backup");

    private final String key;

    FaultKind(String key) {
        this.key = key;
    }

    /** The report's name for it. */
    String key() {
        return key;
    }
}
