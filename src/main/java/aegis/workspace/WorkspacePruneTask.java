package aegis.workspace;

import aegis.jobs.PeriodicTask;
import java.time.Duration;

/** The periodic clean-up of worktrees (thin: the pruner does the work). */
final class WorkspacePruneTask implements PeriodicTask {
    private final WorkspacePruner pruner;

    WorkspacePruneTask(WorkspacePruner pruner) {
        this.pruner = pruner;
    }

    @Override
    public String name() {
        return "workspace-prune";
    }

    @Override
    public Duration defaultPeriod() {
        return Duration.ofHours(1);
    }

    @Override
    public void run() {
        pruner.prune();
    }
}
