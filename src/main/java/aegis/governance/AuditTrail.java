package aegis.governance;

import aegis.db.Jdbc;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Map;

/**
 * Appends to {@code audit_log}, the one writer of that table. Operator actions are written at
 * once (they are rare and must not be lost); Asana writes arrive in batches from
 * {@link AsanaAudit}. Rows are never updated (the table refuses it).
 *
 * <p>For any package that changes what Aegis may do on an operator's word (budgets, approvals,
 * keys, prompts): one call, {@link #operatorAction(Actor, String, String, Map, String)}.
 */
@Singleton
public final class AuditTrail {
    /** Configured once, then only used: safe to share. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbc jdbc;

    public AuditTrail(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Records that {@code actor} did {@code action} (e.g. {@code apikey.create}, {@code pause},
     * {@code budget.set}) to {@code subject} (a key's name, a project gid; may be null), with
     * {@code detail} (small, no secrets) and how it ended ({@code ok}, or what went wrong).
     */
    public void operatorAction(Actor actor, String action, String subject, Map<String, ?> detail, String result) {
        jdbc.withConnection(c -> {
            operatorAction(c, actor, action, subject, detail, result);
            return null;
        });
    }

    /** As above, on {@code c}: in the caller's transaction, so the record and the change commit together. */
    void operatorAction(Connection c, Actor actor, String action, String subject, Map<String, ?> detail,
                        String result) throws SQLException {
        if (action == null || action.isBlank() || result == null || result.isBlank()) {
            throw new IllegalArgumentException("an operator action needs an action and a result");
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO audit_log (category, actor, action, subject, result, detail)
                VALUES ('operator', ?, ?, ?, ?, ?::jsonb)""")) {
            ps.setString(1, actor.name());
            ps.setString(2, action);
            ps.setString(3, subject);
            ps.setString(4, result);
            ps.setString(5, json(detail));
            ps.executeUpdate();
        }
    }

    /** Asana writes, one statement for the batch. */
    void asanaWrites(List<aegis.asana.AsanaWrite> writes) {
        if (writes.isEmpty()) {
            return;
        }
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO audit_log (category, actor, action, method, resource, task_gid, execution_id,
                                           story_gid, result)
                    SELECT 'asana', ?, w.action, w.method, w.resource, w.task_gid, w.execution_id, w.story_gid, w.result
                      FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[])
                           AS w(action, method, resource, task_gid, execution_id, story_gid, result)""")) {
                ps.setString(1, Actor.DAEMON.name());
                ps.setArray(2, c.createArrayOf("text", writes.stream().map(aegis.asana.AsanaWrite::action).toArray()));
                ps.setArray(3, c.createArrayOf("text", writes.stream().map(aegis.asana.AsanaWrite::method).toArray()));
                ps.setArray(4, c.createArrayOf("text", writes.stream().map(aegis.asana.AsanaWrite::resource).toArray()));
                ps.setArray(5, c.createArrayOf("text", writes.stream().map(aegis.asana.AsanaWrite::taskGid).toArray()));
                ps.setArray(6, c.createArrayOf("bigint",
                        writes.stream().map(aegis.asana.AsanaWrite::executionId).toArray()));
                ps.setArray(7, c.createArrayOf("text", writes.stream().map(aegis.asana.AsanaWrite::storyGid).toArray()));
                ps.setArray(8, c.createArrayOf("text", writes.stream().map(aegis.asana.AsanaWrite::result).toArray()));
                return ps.executeUpdate();
            }
        });
    }

    private static String json(Map<String, ?> detail) {
        if (detail == null || detail.isEmpty()) {
            return "{}";
        }
        try {
            return JSON.writeValueAsString(detail);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the detail of an audit record must be plain values: " + e.getMessage());
        }
    }

    static void bindNullableLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }
}
