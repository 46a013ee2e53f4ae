package aegis.agent;

import aegis.config.Jdbc;
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
    private final ObjectMapper json = new ObjectMapper();

    public ExecutionEvents(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    public void record(Long agentId, long executionId, String type, String level, String message,
                       Map<String, ?> data) {
        Pending event = prepare(type, level, message, data);
        try {
            jdbc.withConnection(c -> insert(c, agentId, executionId, java.util.List.of(event)));
        } catch (RuntimeException e) {
            // Events are a record, not the work: losing one must not fail the execution.
            LOG.warn("event=agent_event_not_recorded execution={} type={} error={}", executionId, type, e.getMessage());
        }
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

    private static int[] insert(Connection c, Long agentId, long executionId, java.util.List<Pending> batch)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO agent_events (agent_id, execution_id, event_type, level, message, data, created_at)
                VALUES (?, ?, ?, ?, ?, ?::jsonb, ?)""")) {
            for (Pending p : batch) {
                if (agentId == null) {
                    ps.setNull(1, Types.BIGINT);
                } else {
                    ps.setLong(1, agentId);
                }
                ps.setLong(2, executionId);
                ps.setString(3, p.type());
                ps.setString(4, p.level());
                ps.setString(5, p.message());
                ps.setString(6, p.data());
                ps.setTimestamp(7, java.sql.Timestamp.from(p.at()));
                ps.addBatch();
            }
            return ps.executeBatch();
        }
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
                jdbc.withConnection(c -> insert(c, batch));
            } catch (RuntimeException e) {
                LOG.warn("event=agent_events_not_recorded execution={} count={} error={}", executionId, batch.size(),
                        e.getMessage());
            }
        }

        /**
         * Writes the buffered events on {@code c}, inside the caller's transaction (an execution's
         * state change), so they need no commit of their own. Should the insert fail, they stay
         * buffered for the next flush.
         */
        public void writeIn(Connection c) throws SQLException {
            java.util.List<Pending> batch = drain();
            if (batch.isEmpty()) {
                return;
            }
            try {
                insert(c, batch);
            } catch (SQLException | RuntimeException e) {
                synchronized (pending) {
                    pending.addAll(0, batch);
                }
                throw e;
            }
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

        private int[] insert(Connection c, java.util.List<Pending> batch) throws SQLException {
            return ExecutionEvents.insert(c, agentId, executionId, batch);
        }
    }
}
