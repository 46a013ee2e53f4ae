package aegis.dispatch;

import aegis.agent.AgentContext;
import aegis.db.Jdbc;
import aegis.db.StatementPart;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records {@code agent_events}: what happened during an execution, as it happens. */
@Singleton
public final class ExecutionEvents {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutionEvents.class);
    private static final Set<String> LEVELS = Set.of("debug", "info", "warn", "error");
    private static final int MESSAGE_MAX = 4000;

    private final Jdbc jdbc;
    private final ObjectMapper json;

    public ExecutionEvents(Jdbc jdbc, ObjectMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public void record(Long agentId, long executionId, String type, String level, String message,
                       Map<String, ?> data) {
        Pending event = prepare(type, level, message, data);
        try {
            jdbc.withConnection(c -> {
                insert(c, agentId, executionId, java.util.List.of(event));
                return null;
            });
        } catch (RuntimeException e) {
            // Events are a record, not the work: losing one must not fail the execution.
            LOG.warn("event=agent_event_not_recorded execution={} type={} error={}", executionId, type, e.getMessage());
        }
    }

    /**
     * The coding-agent CLI session the task's latest run recorded (its {@code cli_result} event), so a
     * follow-up can resume the conversation where it stopped.
     */
    public java.util.Optional<String> lastSessionId(long taskId) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT e.data->>'session_id' FROM task_executions x
                      JOIN agent_events e ON e.execution_id = x.id
                     WHERE x.task_id = ? AND e.event_type = 'cli_result'
                       AND coalesce(e.data->>'session_id', '') <> ''
                     ORDER BY e.id DESC LIMIT 1""")) {
                ps.setLong(1, taskId);
                try (var rs = ps.executeQuery()) {
                    return rs.next() ? java.util.Optional.of(rs.getString(1)) : java.util.Optional.<String>empty();
                }
            }
        });
    }

    /** An event as stored: a known level, a capped message, data as JSON, the time it happened. */
    private Pending prepare(String type, String level, String message, Map<String, ?> data) {
        String lvl = LEVELS.contains(level) ? level : "info";
        String msg = message != null && message.length() > MESSAGE_MAX ? message.substring(0, MESSAGE_MAX) : message;
        String body;
        try {
            body = json.writeValueAsString(data == null ? Map.of() : data);
        } catch (JsonProcessingException e) {
            body = "{}";
        }
        return new Pending(type, lvl, msg, body, Instant.now());
    }

    /**
     * The batch as rows of one INSERT (arrays unnested in order): an execution's events cost one
     * statement, not one each. Parameters: agent, execution, then five arrays.
     */
    private static final String INSERT = """
            INSERT INTO agent_events (agent_id, execution_id, event_type, level, message, data, created_at)
            SELECT ?, ?, e.type, e.level, e.message, e.data::jsonb, e.at::timestamptz
              FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
                   WITH ORDINALITY AS e (type, level, message, data, at, n)
             ORDER BY e.n""";
    private static final String CTE = "events AS (\n" + INSERT + ")";

    private static void insert(Connection c, Long agentId, long executionId, java.util.List<Pending> batch)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            bind(ps, 1, c, agentId, executionId, batch);
            ps.executeUpdate();
        }
    }

    private static int bind(PreparedStatement ps, int first, Connection c, Long agentId, long executionId,
                            java.util.List<Pending> batch) throws SQLException {
        int n = batch.size();
        String[] types = new String[n];
        String[] levels = new String[n];
        String[] messages = new String[n];
        String[] data = new String[n];
        String[] at = new String[n];
        for (int i = 0; i < n; i++) {
            Pending p = batch.get(i);
            types[i] = p.type();
            levels[i] = p.level();
            messages[i] = p.message();
            data[i] = p.data();
            at[i] = p.at().toString();
        }
        if (agentId == null) {
            ps.setNull(first, Types.BIGINT);
        } else {
            ps.setLong(first, agentId);
        }
        ps.setLong(first + 1, executionId);
        ps.setArray(first + 2, c.createArrayOf("text", types));
        ps.setArray(first + 3, c.createArrayOf("text", levels));
        ps.setArray(first + 4, c.createArrayOf("text", messages));
        ps.setArray(first + 5, c.createArrayOf("text", data));
        ps.setArray(first + 6, c.createArrayOf("text", at));
        return first + 7;
    }

    /**
     * The {@link AgentContext} of one execution run by one worker, ending at {@code deadline}.
     * Its events are buffered and written in batches: by {@link Buffered#flush()}, which the
     * pool calls every few hundred milliseconds and before recording an outcome.
     */
    public Buffered contextFor(Long agentId, long executionId, Instant deadline) {
        return new Buffered(agentId, executionId, deadline);
    }

    /** {@code at}: when it happened, not when the batch was written. */
    private record Pending(String type, String level, String message, String data, Instant at) {
    }

    public final class Buffered implements AgentContext {
        private final Long agentId;
        private final long executionId;
        private final Instant deadline;
        private final java.util.List<Pending> pending = new java.util.ArrayList<>();

        private Buffered(Long agentId, long executionId, Instant deadline) {
            this.agentId = agentId;
            this.executionId = executionId;
            this.deadline = deadline;
        }

        @Override
        public void event(String eventType, String level, String message, Map<String, Object> data) {
            Pending event = prepare(eventType, level, message, data);
            synchronized (pending) {
                pending.add(event);
            }
        }

        @Override
        public Duration remaining() {
            Duration left = Duration.between(Instant.now(), deadline);
            return left.isNegative() ? Duration.ZERO : left;
        }

        /** Writes the buffered events in one batch. */
        public void flush() {
            java.util.List<Pending> batch = drain();
            if (batch.isEmpty()) {
                return;
            }
            try {
                jdbc.withConnection(c -> {
                    insert(c, batch);
                    return null;
                });
            } catch (RuntimeException e) {
                LOG.warn("event=agent_events_not_recorded execution={} count={} error={}", executionId, batch.size(),
                        e.getMessage());
            }
        }

        /**
         * Takes the buffered events as a part of an execution's transition statement
         * ({@code events AS (INSERT …)}), so they need no statement or commit of their own.
         * Should that statement fail, {@link Taken#giveBack()} buffers them again for the next flush.
         */
        public Taken take() {
            return new Taken(this, drain());
        }

        private java.util.List<Pending> drain() {
            synchronized (pending) {
                if (pending.isEmpty()) {
                    return java.util.List.of();
                }
                java.util.List<Pending> batch = java.util.List.copyOf(pending);
                pending.clear();
                return batch;
            }
        }

        private void insert(Connection c, java.util.List<Pending> batch) throws SQLException {
            ExecutionEvents.insert(c, agentId, executionId, batch);
        }
    }

    /** Events taken from a buffer to be written by a transition's statement. */
    public static final class Taken implements StatementPart {
        /** No events. */
        public static final Taken NONE = new Taken(null, java.util.List.of());

        private final Buffered from;
        private final java.util.List<Pending> batch;

        private Taken(Buffered from, java.util.List<Pending> batch) {
            this.from = from;
            this.batch = batch;
        }

        @Override
        public String cte() {
            return batch.isEmpty() ? "" : CTE;
        }

        @Override
        public int bind(PreparedStatement ps, int first) throws SQLException {
            return batch.isEmpty() ? first : ExecutionEvents.bind(ps, first, ps.getConnection(), from.agentId,
                    from.executionId, batch);
        }

        /** The statement failed: the events go back to the front of the buffer. */
        public void giveBack() {
            if (!batch.isEmpty()) {
                synchronized (from.pending) {
                    from.pending.addAll(0, batch);
                }
            }
        }
    }
}
