package aegis.cli;

import aegis.config.Settings;
import aegis.db.Jdbc;
import aegis.workspace.Sandbox;
import aegis.workspace.WorkspacePruner;
import aegis.workspace.WorkspaceSettings;
import aegis.workspace.WorkspaceStore;
import aegis.workspace.Workspaces;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "workspaces", description = "Per-task git worktrees: 'list' shows them (task, branch, size, last "
        + "used); 'prune' removes those whose task is done or that were idle past AEGIS_RETENTION_WORKSPACES_DAYS.")
final class WorkspacesCommand implements Callable<Integer> {
    private final Settings settings;

    @Parameters(index = "0", description = "list | prune")
    String action;

    WorkspacesCommand(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Integer call() {
        if (!List.of("list", "prune").contains(action)) {
            System.err.println("aegis: workspaces takes 'list' or 'prune', got '" + action + "'");
            return Main.USAGE;
        }
        WorkspaceSettings ws = WorkspaceSettings.from(settings);
        Jdbc jdbc = DirectDatabase.open(settings);
        WorkspaceStore store = new WorkspaceStore(jdbc);
        Workspaces workspaces = new Workspaces(ws, store, new Sandbox(ws, Sandbox.findBwrap(System.getenv("PATH"))),
                System.getenv());
        WorkspacePruner pruner = new WorkspacePruner(workspaces, store);
        if (action.equals("prune")) {
            List<String> removed = pruner.prune();
            OperatorAudit.record(settings, "workspace.prune", null, Map.of("removed_tasks", removed), "ok");
            System.out.println("Removed " + removed.size() + " worktree" + (removed.size() == 1 ? "" : "s")
                    + (removed.isEmpty() ? "" : ": tasks " + String.join(", ", removed)) + " (branches kept)");
            return Main.OK;
        }
        List<WorkspacePruner.Listed> all = pruner.list();
        System.out.printf("%-20s %-50s %10s %-20s %s%n", "TASK", "BRANCH", "SIZE", "LAST USED", "STATE");
        for (WorkspacePruner.Listed l : all) {
            System.out.printf("%-20s %-50s %10s %-20s %s%n", l.taskGid(), l.branch(), human(l.sizeBytes()),
                    l.lastUsedAt().toString().substring(0, 19).replace('T', ' '),
                    l.inUse() ? "in use" : l.taskDone() ? "task done (prunable)" : "idle");
        }
        System.out.println(all.size() + " worktree" + (all.size() == 1 ? "" : "s") + " under " + ws.root());
        return Main.OK;
    }

    private static String human(long bytes) {
        if (bytes < 0) {
            return "?";
        }
        return bytes < 1024 * 1024 ? (bytes / 1024) + " KiB" : (bytes / (1024 * 1024)) + " MiB";
    }
}
