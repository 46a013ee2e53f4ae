package aegis.workspace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clean-up and listing of worktrees: a worktree whose task is completed or deleted in Asana, or
 * unused for {@code AEGIS_RETENTION_WORKSPACES_DAYS}, is removed (its branch stays in the clone and,
 * when pushed, in origin). A worktree held by a running execution is never touched; one under
 * another instance's directory is left to that instance.
 */
public final class WorkspacePruner {
    private static final Logger LOG = LoggerFactory.getLogger(WorkspacePruner.class);

    private final Workspaces workspaces;
    private final WorkspaceStore store;

    public WorkspacePruner(Workspaces workspaces, WorkspaceStore store) {
        this.workspaces = workspaces;
        this.store = store;
    }

    /** A present worktree, for {@code aegis workspaces list}. */
    public record Listed(String taskGid, String projectGid, String branch, Path path, long sizeBytes,
                         Instant lastUsedAt, boolean inUse, boolean taskDone) {
    }

    public List<Listed> list() {
        List<Listed> out = new ArrayList<>();
        for (WorkspaceStore.Row r : store.present()) {
            out.add(new Listed(r.taskGid(), r.projectGid(), r.branch(), r.path(), size(r.path()), r.lastUsedAt(),
                    r.locked(), r.taskDone()));
        }
        return out;
    }

    /** Removes what is due now; returns the task gids whose worktrees went. */
    public List<String> prune() {
        WorkspaceSettings s = workspaces.settings();
        List<String> removed = new ArrayList<>();
        for (WorkspaceStore.Row r : store.prunable(s.retention())) {
            if (!r.path().startsWith(s.root())) {
                continue;
            }
            try {
                // Marked removed only if no run holds it now, and under the clone's lock, before anything is deleted.
                if (workspaces.remove(s.cloneOf(r.projectGid()), r.path(), () -> store.removed(r.id()))) {
                    removed.add(r.taskGid());
                    LOG.info("event=workspace_removed task={} branch={} reason={}", r.taskGid(), r.branch(),
                            r.taskDone() ? "task_done" : "idle");
                }
            } catch (IOException e) {
                LOG.warn("event=workspace_not_removed task={} error={}", r.taskGid(), e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return removed;
    }

    private static long size(Path p) {
        if (!Files.isDirectory(p)) {
            return 0;
        }
        try (var walk = Files.walk(p)) {
            return walk.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }
}
