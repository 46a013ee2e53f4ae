package aegis.agent;

import aegis.config.Jdbc;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.ResultSet;
import java.util.List;

/** The {@code agents} table: one row per worker slot of an instance, kept current. */
@Singleton
public final class AgentRows {
    private final Jdbc jdbc;

    public AgentRows(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** Creates (or takes over, after a restart with the same instance id) the row of one worker. */
    public long register(String name, String agentType, String instanceId, int slots) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO agents (name, agent_type, instance_id, status, started_at, config)
                    VALUES (?, ?, ?, 'idle', now(), jsonb_build_object('slots_of_kind', ?))
                    ON CONFLICT (name) DO UPDATE
                       SET agent_type = excluded.agent_type, instance_id = excluded.instance_id,
                           status = 'idle', current_task_id = NULL, started_at = now(), config = excluded.config
                    RETURNING id""")) {
                ps.setString(1, name);
                ps.setString(2, agentType);
                ps.setString(3, instanceId);
                ps.setInt(4, slots);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    public void busy(long agentId, long taskId) {
        jdbc.withConnection(c -> {
            busyIn(c, List.of(agentId), List.of(taskId));
            return null;
        });
    }

    /** Marks workers busy with tasks (pairwise), on the caller's connection and transaction. */
    public static void busyIn(Connection c, List<Long> agentIds, List<Long> taskIds) throws SQLException {
        if (agentIds.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE agents a SET status = 'busy', current_task_id = w.task_id, last_active_at = now()
                  FROM unnest(?::bigint[], ?::bigint[]) AS w (agent_id, task_id)
                 WHERE a.id = w.agent_id""")) {
            ps.setArray(1, c.createArrayOf("bigint", agentIds.toArray()));
            ps.setArray(2, c.createArrayOf("bigint", taskIds.toArray()));
            ps.executeUpdate();
        }
    }

    /** Back to idle, adding one attempt's totals; {@code completed}/{@code failed} count finished executions. */
    public void idle(long agentId, boolean completed, boolean failed, long durationMs, long inputTokens,
                     long outputTokens, BigDecimal costUsd) {
        jdbc.withConnection(c -> {
            idleIn(c, agentId, completed, failed, durationMs, inputTokens, outputTokens, costUsd);
            return null;
        });
    }

    /** {@link #idle} on the caller's connection and transaction. */
    public static void idleIn(Connection c, long agentId, boolean completed, boolean failed, long durationMs,
                              long inputTokens, long outputTokens, BigDecimal costUsd) throws SQLException {
        endedIn(c, agentId, completed, failed, durationMs, inputTokens, outputTokens, costUsd, null);
    }

    /**
     * One attempt's totals added; the worker then idle, or, with {@code nextTaskId}, already busy
     * with its next task (one row version instead of two).
     */
    public static void endedIn(Connection c, long agentId, boolean completed, boolean failed, long durationMs,
                               long inputTokens, long outputTokens, BigDecimal costUsd, Long nextTaskId)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE agents
                   SET status = CASE WHEN ?::bigint IS NULL THEN 'idle' ELSE 'busy' END, current_task_id = ?,
                       last_active_at = now(),
                       tasks_completed = tasks_completed + ?, tasks_failed = tasks_failed + ?,
                       total_duration_ms = total_duration_ms + ?,
                       total_input_tokens = total_input_tokens + ?, total_output_tokens = total_output_tokens + ?,
                       total_cost_usd = total_cost_usd + ?
                 WHERE id = ?""")) {
            if (nextTaskId == null) {
                ps.setNull(1, java.sql.Types.BIGINT);
                ps.setNull(2, java.sql.Types.BIGINT);
            } else {
                ps.setLong(1, nextTaskId);
                ps.setLong(2, nextTaskId);
            }
            ps.setInt(3, completed ? 1 : 0);
            ps.setInt(4, failed ? 1 : 0);
            ps.setLong(5, durationMs);
            ps.setLong(6, inputTokens);
            ps.setLong(7, outputTokens);
            ps.setBigDecimal(8, costUsd == null ? BigDecimal.ZERO : costUsd);
            ps.setLong(9, agentId);
            ps.executeUpdate();
        }
    }

    public void setStatus(List<Long> agentIds, String status) {
        if (agentIds.isEmpty()) {
            return;
        }
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE agents SET status = ?, current_task_id = NULL, last_active_at = now() WHERE id = ANY (?)""")) {
                ps.setString(1, status);
                ps.setArray(2, c.createArrayOf("bigint", agentIds.toArray()));
                return ps.executeUpdate();
            }
        });
    }

    /** Workers of instances whose leases expired are gone: mark their rows stopped. */
    public int stopOwnersOf(List<String> instanceIds) {
        if (instanceIds.isEmpty()) {
            return 0;
        }
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE agents SET status = 'stopped', current_task_id = NULL
                     WHERE instance_id = ANY (?) AND status IN ('idle', 'busy')""")) {
                ps.setArray(1, c.createArrayOf("text", instanceIds.toArray()));
                return ps.executeUpdate();
            }
        });
    }
}
