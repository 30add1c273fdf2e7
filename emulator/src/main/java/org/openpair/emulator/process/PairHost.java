package org.openpair.emulator.process;

import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;

import org.openpair.emulator.metrics.CpuMetrics;
import org.openpair.emulator.node.CpuRouter;
import org.openpair.emulator.node.NodeTables;
import org.openpair.emulator.pairs.CheckpointLinks;
import org.openpair.emulator.pairs.PairMember;
import org.openpair.guardian.Guardian;
import org.openpair.guardian.ProcessHandle;
import org.openpair.guardian.SpawnRequest;

/** What a pair member of this CPU needs from it: one per process that can have a backup. */
final class PairHost implements PairMember.Host {
    private final LocalProcess process;
    private final SpawnRequest request;
    private final Function<ProcessHandle, Guardian> guardianOf;
    private final CheckpointLinks links;
    private final NodeTables tables;
    private final CpuRouter router;
    /** The CPU's pair thread: fencing and the member's chores run there, off the callers' threads. */
    private final ScheduledExecutorService pairWork;
    /** The table's fence of this process, run on the pair thread. */
    private final Consumer<String> fence;
    private final CpuMetrics metrics;
    private final java.util.function.BooleanSupplier lease;
    private final java.util.function.Supplier<java.util.concurrent.CompletableFuture<Boolean>> carriageChanged;

    PairHost(LocalProcess process, SpawnRequest request, Function<ProcessHandle, Guardian> guardianOf,
             CheckpointLinks links, NodeTables tables, CpuRouter router, ScheduledExecutorService pairWork,
             Consumer<String> fence, CpuMetrics metrics, java.util.function.BooleanSupplier lease,
             java.util.function.Supplier<java.util.concurrent.CompletableFuture<Boolean>> carriageChanged) {
        this.process = process;
        this.request = request;
        this.guardianOf = guardianOf;
        this.links = links;
        this.tables = tables;
        this.router = router;
        this.pairWork = pairWork;
        this.fence = fence;
        this.metrics = metrics;
        this.lease = lease;
        this.carriageChanged = carriageChanged;
    }

    @Override
    public java.util.concurrent.CompletableFuture<Boolean> pairCarriageChanged() {
        return carriageChanged.get();
    }

    @Override
    public boolean leaseHeld() {
        return lease.getAsBoolean();
    }

    @Override
    public Guardian guardian() {
        return guardianOf.apply(process.handle());
    }

    @Override
    public CheckpointLinks links() {
        return links;
    }

    @Override
    public NodeTables tables() {
        return tables;
    }

    @Override
    public CpuRouter router() {
        return router;
    }

    @Override
    public void fence(String reason) {
        // The pair moved on without this process: no lookup here may route by its old entry.
        if (process.info.name() != null) {
            tables.nameLookups().stale(process.info.name().toString());
        }
        pairWork.execute(() -> fence.accept(reason));
    }

    @Override
    public SpawnRequest.Builder backupRequest(java.util.List<String> classPath) {
        // The backup runs the same code as its primary, on its own CPU; an upgrade gives the new version's.
        SpawnRequest.Builder b = SpawnRequest.of(request.program()).priority(request.priority()).args(request.args())
                .classPath(classPath == null ? request.classPath() : classPath);
        request.env().forEach(b::env);
        return b;
    }

    @Override
    public java.util.List<String> classPath() {
        return request.classPath();
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return pairWork;
    }

    @Override
    public CpuMetrics metrics() {
        return metrics;
    }
}
