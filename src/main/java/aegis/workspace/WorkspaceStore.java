package aegis.workspace;

import aegis.db.Jdbc;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code workspaces} table (this package is its one owner): a row per task worktree and its
 * lock. A lock is held by an execution's lease token and counts only while that execution runs
 * under that token with a current lease, so a crashed daemon's locks lapse with its leases; a
 * cancelled holder keeps it until it unlocks or its stop time has passed (see {@code LIVE_HOLDER}).
 */
public final class WorkspaceStore {
    private final Jdbc jdbc;

    public WorkspaceStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** A row as stored. */
    public record Row(long id, long taskId, String projectGid, String taskGid, Path path, String branch, String base,
                      String reportedSha, Optional<String> prUrl, Long executionId, boolean locked,
                      Instant lastUsedAt, Optional<Instant> removedAt, boolean taskDone) {
    }

    /**
     * Whether the lock's holder still runs under it, or was cancelled so recently that its agent
     * may still be stopping (a cancellation clears the lease at once; the worker unlocks when its
     * agent is gone, and a worker that died meanwhile lets go after {@code stop_grace}). The one
     * definition, used by every statement.
     */
    private static final String LIVE_HOLDER = """
            EXISTS (SELECT 1 FROM task_executions x
                     WHERE x.id = w.execution_id
                       AND ((x.lease_owner = w.lock_token AND x.status = 'running' AND x.lease_until > now())
                         OR (x.status = 'cancelled' AND x.lease_owner IS NULL
                             AND x.finished_at > now() - w.stop_grace)))""";


    /**
     * Takes the task's worktree for {@code executionId} under {@code token}, creating the row on first
     * use; empty when another live execution holds it. Reopens a removed worktree's row.
     * {@code stopGrace}: how long the holder may take to stop its agent once its execution is cancelled.
     */
    public Optional<Row> lock(long taskId, String projectGid, String taskGid, Path path, String branch, String base,
                              long executionId, String token, Duration stopGrace) {
        return jdbc.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO workspaces AS w (task_id, project_gid, task_gid, path, branch, base_branch,
                                                 execution_id, lock_token, stop_grace)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, make_interval(secs => ?))
                    ON CONFLICT (task_id) DO UPDATE
                       SET execution_id = excluded.execution_id, lock_token = excluded.lock_token,
                           stop_grace = excluded.stop_grace, last_used_at = now(), removed_at = NULL
                     WHERE w.lock_token IS NULL OR w.lock_token = excluded.lock_token OR NOT\s""" + LIVE_HOLDER + """
                    RETURNING id""")) {
                ps.setLong(1, taskId);
                ps.setString(2, projectGid);
                ps.setString(3, taskGid);
                ps.setString(4, path.toString());
                ps.setString(5, branch);
                ps.setString(6, base);
                ps.setLong(7, executionId);
                ps.setString(8, token);
                ps.setDouble(9, stopGrace.toMillis() / 1000.0);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                }
            }
            return one(c, "w.task_id = ?", taskId);
        });
    }

    /** Lets go of the task's worktree if {@code token} still holds it. */
    public void unlock(long taskId, String token) {
        update("UPDATE workspaces SET lock_token = NULL, execution_id = NULL, last_used_at = now() "
                + "WHERE task_id = ? AND lock_token = ?", taskId, token);
    }

    /** The commit the last recorded answer named. */
    public void reported(long taskId, String token, String sha) {
        update("UPDATE workspaces SET reported_sha = ? WHERE task_id = ? AND lock_token = ?", sha, taskId, token);
    }

    /** The branch's pull request, once opened. */
    public void prOpened(long taskId, String token, String prUrl) {
        update("UPDATE workspaces SET pr_url = ? WHERE task_id = ? AND lock_token = ?", prUrl, taskId, token);
    }

    /** The first commit of a new worktree: its base, so the first answer's diff starts there. */
    public void based(long taskId, String token, String sha) {
        update("UPDATE workspaces SET reported_sha = ? WHERE task_id = ? AND lock_token = ? AND reported_sha IS NULL",
                sha, taskId, token);
    }

    /** The worktree directory is gone (the row and branch stay). Only an unlocked or lapsed one. */
    public boolean removed(long id) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE workspaces w SET removed_at = now(), "
                    + "lock_token = NULL, execution_id = NULL WHERE id = ? AND removed_at IS NULL "
                    + "AND (lock_token IS NULL OR NOT " + LIVE_HOLDER + ")")) {
                ps.setLong(1, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /** Present worktrees, most recently used first. */
    public List<Row> present() {
        return jdbc.withConnection(c -> all(c, "w.removed_at IS NULL ORDER BY w.last_used_at DESC"));
    }

    /** Present, unheld worktrees whose task is completed or deleted, or unused for {@code idle}. */
    public List<Row> prunable(Duration idle) {
        return jdbc.withConnection(c -> all(c, "w.removed_at IS NULL AND (w.lock_token IS NULL OR NOT "
                + LIVE_HOLDER + ") AND (t.completed OR t.deleted OR t.id IS NULL OR w.last_used_at < now() - "
                + "make_interval(secs => " + idle.toSeconds() + ")) ORDER BY w.id"));
    }

    private static Optional<Row> one(java.sql.Connection c, String where, long arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT + where)) {
            ps.setLong(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private static List<Row> all(java.sql.Connection c, String where) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT + where); ResultSet rs = ps.executeQuery()) {
            List<Row> out = new ArrayList<>();
            while (rs.next()) {
                out.add(read(rs));
            }
            return out;
        }
    }

    private static final String SELECT = "SELECT w.id, w.task_id, w.project_gid, w.task_gid, w.path, w.branch, "
            + "w.base_branch, w.reported_sha, w.pr_url, w.execution_id, (w.lock_token IS NOT NULL AND "
            + LIVE_HOLDER + ") AS locked, w.last_used_at, w.removed_at, coalesce(t.completed OR t.deleted, true) "
            + "FROM workspaces w LEFT JOIN tasks t ON t.id = w.task_id WHERE ";

    private static Row read(ResultSet rs) throws SQLException {
        long e = rs.getLong(10);
        Long exec = rs.wasNull() ? null : e;
        Timestamp removed = rs.getTimestamp(13);
        return new Row(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), Path.of(rs.getString(5)),
                rs.getString(6), rs.getString(7), rs.getString(8), Optional.ofNullable(rs.getString(9)),
                exec, rs.getBoolean(11), rs.getTimestamp(12).toInstant(),
                Optional.ofNullable(removed).map(Timestamp::toInstant), rs.getBoolean(14));
    }

    private void update(String sql, Object... args) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setObject(i + 1, args[i]);
                }
                return ps.executeUpdate();
            }
        });
    }
}
