package aegis.workspace;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A task's worktree, held by one execution: its directory and branch, the git metadata the
 * sandbox shows read-only ({@code metaDir}: this worktree's, {@code commonDir}: the clone's), and
 * what was last reported ({@code reportedSha}) and opened ({@code prUrl}) for it.
 */
public record Worktree(long taskId, String projectGid, String taskGid, Path path, String branch, String base,
                       Path metaDir, Path commonDir, boolean created, String reportedSha, Optional<String> prUrl,
                       String lockToken) {
}
