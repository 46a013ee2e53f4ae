package aegis.workspace;

import aegis.config.Settings;
import aegis.db.Jdbc;
import aegis.jobs.PeriodicTask;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** The workspace package's beans, built from the settings. */
@Factory
class WorkspaceBeans {
    @Singleton
    WorkspaceSettings workspaceSettings(Settings settings) {
        return WorkspaceSettings.from(settings);
    }

    @Singleton
    Sandbox sandbox(WorkspaceSettings settings) {
        return new Sandbox(settings, Sandbox.findBwrap(System.getenv("PATH")));
    }

    @Singleton
    WorkspaceStore workspaceStore(Jdbc jdbc) {
        return new WorkspaceStore(jdbc);
    }

    @Singleton
    Workspaces workspaces(WorkspaceSettings settings, WorkspaceStore store, Sandbox sandbox) {
        return new Workspaces(settings, store, sandbox, System.getenv());
    }

    @Singleton
    WorkspacePruner workspacePruner(Workspaces workspaces, WorkspaceStore store) {
        return new WorkspacePruner(workspaces, store);
    }

    @Singleton
    PeriodicTask workspacePruneTask(WorkspacePruner pruner) {
        return new WorkspacePruneTask(pruner);
    }
}
