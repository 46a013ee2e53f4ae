package aegis.dispatch;

import aegis.db.Jdbc;
import aegis.db.StatementPart;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
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

    /** The workers given an execution by a claim's {@code claimed} turn busy, in the claim's own statement. */
    public static final StatementPart BUSY = new StatementPart() {
        @Override
        public String cte() {
            return """
                    busy AS (
                      UPDATE agents a SET status = 'busy', current_task_id = c.task_id, last_active_at = now()
                        FROM claimed c WHERE a.id = c.agent_id)""";
        }

        @Override
        public int bind(PreparedStatement ps, int first) {
            return first;
        }
    };

    /**
     * A worker's row after an attempt: its totals added, {@code completed}/{@code failed} counted
     * when {@code %3$s} holds, then busy when {@code %1$s} holds (with task {@code %2$s}) or idle.
     * Parameters: completed, failed (as 0/1), duration, input and output tokens, cost, agent id.
     */
    private static final String ENDED = """
            UPDATE agents
               SET status = CASE WHEN %1$s THEN 'busy' ELSE 'idle' END, current_task_id = %2$s,
                   last_active_at = now(),
                   tasks_completed = tasks_completed + CASE WHEN %3$s THEN ? ELSE 0 END,
                   tasks_failed = tasks_failed + CASE WHEN %3$s THEN ? ELSE 0 END,
                   total_duration_ms = total_duration_ms + ?,
                   total_input_tokens = total_input_tokens + ?, total_output_tokens = total_output_tokens + ?,
                   total_cost_usd = total_cost_usd + ?
             WHERE id = ?""";
    private static final String IDLE = ENDED.formatted("false", "NULL", "true");
    private static final String WORKER_CTE = "worker AS (\n" + ENDED.formatted("EXISTS (SELECT 1 FROM claimed)",
            "(SELECT task_id FROM claimed)", "EXISTS (SELECT 1 FROM done)") + ")";

    /** Back to idle, adding one attempt's totals; {@code completed}/{@code failed} count finished executions. */
    public void idle(long agentId, boolean completed, boolean failed, long durationMs, long inputTokens,
                     long outputTokens, BigDecimal costUsd) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(IDLE)) {
                bindEnded(ps, 1, agentId, completed, failed, durationMs, inputTokens, outputTokens, costUsd);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /**
     * The worker's row as part of the statement ending its execution: one attempt's totals added
     * ({@code completed}/{@code failed} counted only when the execution ended there, i.e. {@code done}
     * has its row), then busy with the execution {@code claimed} in the same statement, or idle.
     */
    public static StatementPart endedPart(long agentId, boolean completed, boolean failed,
                                                         long durationMs, long inputTokens, long outputTokens,
                                                         BigDecimal costUsd) {
        return new StatementPart() {
            @Override
            public String cte() {
                return WORKER_CTE;
            }

            @Override
            public int bind(PreparedStatement ps, int first) throws SQLException {
                return bindEnded(ps, first, agentId, completed, failed, durationMs, inputTokens, outputTokens,
                        costUsd);
            }
        };
    }

    private static int bindEnded(PreparedStatement ps, int first, long agentId, boolean completed, boolean failed,
                                 long durationMs, long inputTokens, long outputTokens, BigDecimal costUsd)
            throws SQLException {
        ps.setInt(first, completed ? 1 : 0);
        ps.setInt(first + 1, failed ? 1 : 0);
        ps.setLong(first + 2, durationMs);
        ps.setLong(first + 3, inputTokens);
        ps.setLong(first + 4, outputTokens);
        ps.setBigDecimal(first + 5, costUsd == null ? BigDecimal.ZERO : costUsd);
        ps.setLong(first + 6, agentId);
        return first + 7;
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
