package aegis.workspace;

import java.util.List;
import java.util.Optional;

/**
 * What a run left in its worktree, as the answer tells it: the branch, the commit made or not
 * yet reported ({@code commit}, short sha; empty when nothing changed), the files changed with
 * their added and removed lines, and what became of the push and the pull request. A push or
 * PR failure is carried here, never thrown: the commit is made first and stays. {@code tells}: the
 * full sha to mark as told ({@link Workspaces#told}) once the answer carrying this is recorded;
 * {@code gitFileRestored}: the agent had rewritten the worktree's {@code .git} file.
 */
public record WorkReport(String branch, Optional<String> commit, List<FileChange> files, boolean pushed,
                         Optional<String> pushError, Optional<String> prUrl, Optional<String> prError,
                         Optional<String> tells, boolean gitFileRestored) {
    public WorkReport {
        files = List.copyOf(files);
    }

    /** One file of the diff stat; {@code added}/{@code removed} are -1 for a binary file. */
    public record FileChange(String path, int added, int removed) {
    }

    public int insertions() {
        return files.stream().mapToInt(f -> Math.max(0, f.added())).sum();
    }

    public int deletions() {
        return files.stream().mapToInt(f -> Math.max(0, f.removed())).sum();
    }
}
