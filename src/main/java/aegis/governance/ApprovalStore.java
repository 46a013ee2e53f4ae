package aegis.governance;

import aegis.db.Jdbc;
import aegis.db.StatementPart;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code approvals} table. Its writes ride in dispatch's transition statements as
 * {@link StatementPart}s reading {@code done} (the execution the transition changed), so an
 * execution never waits without its approval row, nor leaves the wait without the decision recorded.
 */
@Singleton
public final class ApprovalStore {
    private final Jdbc jdbc;

    public ApprovalStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** One approval of an execution, as decided so far. */
    public record Approval(long executionId, ApprovalStage stage, String status, String decidedByGid,
                           String reason, Instant requestedAt) {
        public boolean approved() {
            return "approved".equals(status);
        }

        /** Rejected or expired: the execution does not go on. */
        public boolean refused() {
            return "rejected".equals(status) || "expired".equals(status);
        }
    }

    /** A person's comment mirrored after an approval was asked. */
    public record Reply(long commentId, String gid, String authorGid, String text) {
    }

    /** An approval still waiting, with the comments that came after it was asked, oldest first. */
    public record Waiting(long executionId, long taskId, String taskGid, String projectGid, ApprovalStage stage,
                          Instant requestedAt, List<Reply> replies) {
    }

    /**
     * The request for {@code stage} of the execution in {@code done}: only comments mirrored from
     * now on can decide it. Asked again after a crash, the first request stands.
     */
    public StatementPart requested(ApprovalStage stage, String requestStoryGid) {
        return part("""
                approval_asked AS (
                  INSERT INTO approvals (execution_id, stage, request_story_gid, after_comment_id)
                  SELECT d.id, ?, ?, coalesce((SELECT max(cm.id) FROM comments cm
                                                WHERE cm.task_id = (SELECT e.task_id FROM task_executions e
                                                                     WHERE e.id = d.id)), 0)
                    FROM done d
                  ON CONFLICT (execution_id, stage) DO NOTHING)""", (ps, i) -> {
            ps.setString(i, stage.dbName());
            ps.setString(i + 1, requestStoryGid);
            return i + 2;
        });
    }

    /** {@code stage} of the execution in {@code done}, waiting until now, decided as {@code status}. */
    public StatementPart decided(ApprovalStage stage, String status, String byGid, String commentGid, String reason) {
        return part("""
                approval_decided AS (
                  UPDATE approvals a
                     SET status = ?, decided_at = now(), decided_by_gid = ?, decision_comment_gid = ?, reason = ?
                    FROM done d
                   WHERE a.execution_id = d.id AND a.stage = ? AND a.status = 'waiting')""", (ps, i) -> {
            ps.setString(i, status);
            ps.setString(i + 1, byGid);
            ps.setString(i + 2, commentGid);
            ps.setString(i + 3, reason);
            ps.setString(i + 4, stage.dbName());
            return i + 5;
        });
    }

    /** The approvals of one execution. */
    public List<Approval> of(long executionId) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT execution_id, stage, status, decided_by_gid, reason, requested_at
                      FROM approvals WHERE execution_id = ? ORDER BY id""")) {
                ps.setLong(1, executionId);
                List<Approval> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Approval(rs.getLong(1), ApprovalStage.ofDb(rs.getString(2)), rs.getString(3),
                                rs.getString(4), rs.getString(5), rs.getTimestamp(6).toInstant()));
                    }
                }
                return out;
            }
        });
    }

    /**
     * The approvals waiting (of one task, or of all when {@code taskId} is empty; at most
     * {@code limit}), oldest first, each with the people's comments since it was asked. One
     * statement reads the approvals, their executions and the mirror's comments together, so a
     * comment is never judged against an approval already decided.
     */
    public List<Waiting> waiting(Optional<Long> taskId, int limit) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH w AS (
                      SELECT a.execution_id, a.stage, a.requested_at, a.after_comment_id, e.task_id,
                             t.asana_gid AS task_gid, p.asana_gid AS project_gid
                        FROM approvals a
                        JOIN task_executions e ON e.id = a.execution_id AND e.status = 'awaiting_approval'
                        JOIN tasks t ON t.id = e.task_id
                        JOIN projects p ON p.id = t.project_id
                       WHERE a.status = 'waiting' AND (?::bigint IS NULL OR e.task_id = ?::bigint)
                       ORDER BY a.requested_at LIMIT ?)
                    SELECT w.*, cm.id AS comment_id, cm.asana_gid, cm.author_gid, cm.text
                      FROM w LEFT JOIN comments cm
                        ON cm.task_id = w.task_id AND cm.id > w.after_comment_id AND NOT cm.is_from_bot
                     ORDER BY w.requested_at, w.execution_id, cm.id""")) {
                if (taskId.isPresent()) {
                    ps.setLong(1, taskId.get());
                    ps.setLong(2, taskId.get());
                } else {
                    ps.setNull(1, java.sql.Types.BIGINT);
                    ps.setNull(2, java.sql.Types.BIGINT);
                }
                ps.setInt(3, limit);
                Map<String, Waiting> out = new LinkedHashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong("execution_id");
                        String stage = rs.getString("stage");
                        Waiting w = out.computeIfAbsent(id + "/" + stage, k -> {
                            try {
                                return new Waiting(id, rs.getLong("task_id"), rs.getString("task_gid"),
                                        rs.getString("project_gid"), ApprovalStage.ofDb(stage),
                                        rs.getTimestamp("requested_at").toInstant(), new ArrayList<>());
                            } catch (SQLException e) {
                                throw new IllegalStateException(e);
                            }
                        });
                        long commentId = rs.getLong("comment_id");
                        if (!rs.wasNull()) {
                            w.replies().add(new Reply(commentId, rs.getString("asana_gid"), rs.getString("author_gid"),
                                    rs.getString("text")));
                        }
                    }
                }
                return out.values().stream().map(w -> new Waiting(w.executionId(), w.taskId(), w.taskGid(),
                        w.projectGid(), w.stage(), w.requestedAt(), List.copyOf(w.replies()))).toList();
            }
        });
    }

    private interface Binder {
        int bind(PreparedStatement ps, int first) throws SQLException;
    }

    private static StatementPart part(String cte, Binder binder) {
        return new StatementPart() {
            @Override
            public String cte() {
                return cte;
            }

            @Override
            public int bind(PreparedStatement ps, int first) throws SQLException {
                return binder.bind(ps, first);
            }
        };
    }
}
