package aegis.webhook;

import aegis.db.Jdbc;
import aegis.jobs.Archiver;
import aegis.jobs.RetainedTable;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * Every statement on the inbox table ({@code webhooks}): the receiver's writes (one statement
 * per delivery, nothing else on the request path), the processor's claims and marks
 * ({@link Inbox}), the backlog that status reads ({@link InboxBacklog}) and retention's purge
 * of processed deliveries ({@link RetainedTable}).
 */
@Singleton
public class InboxStore implements Inbox, InboxBacklog, RetainedTable {
    private static final String PROCESSED_BEFORE = """
            FROM webhooks WHERE status = 'processed' AND processed_at < now() - make_interval(days => ?)""";

    private final Jdbc jdbc;

    public InboxStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A payload that is JSON but not one PostgreSQL's jsonb can hold ({@code \u0000}, a lone
     * surrogate): the sender's fault, not the database's, so no retry will ever store it.
     */
    public static final class Unstorable extends RuntimeException {
        Unstorable(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Stores a delivery with events, pending for the processor; {@link Unstorable} when jsonb refuses it. */
    public void store(UUID subscriptionId, String payload, int eventCount) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO webhooks (subscription_id, payload, event_count) VALUES (?, ?::jsonb, ?)""")) {
                ps.setObject(1, subscriptionId);
                ps.setString(2, payload);
                ps.setInt(3, eventCount);
                return executeStoring(ps);
            }
        });
    }

    /** SQLSTATE class 22 is "data exception": the value is at fault, whatever else is up. */
    private static int executeStoring(PreparedStatement ps) throws SQLException {
        try {
            return ps.executeUpdate();
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("22")) {
                throw new Unstorable(e);
            }
            throw e;
        }
    }

    /** A heartbeat: kept in the inbox as already processed, and the subscription's health updated, in one statement. */
    public void heartbeat(UUID subscriptionId, String payload) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH hb AS (UPDATE webhook_subscriptions SET last_heartbeat_at = now() WHERE id = ?)
                    INSERT INTO webhooks (subscription_id, payload, event_count, status, processed_at)
                    VALUES (?, ?::jsonb, 0, 'processed', now())""")) {
                ps.setObject(1, subscriptionId);
                ps.setObject(2, subscriptionId);
                ps.setString(3, payload);
                return executeStoring(ps);
            }
        });
    }

    @Override
    public List<Delivery> claim(int limit) {
        return jdbc.withConnection(c -> {
            List<Delivery> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE webhooks w
                       SET status = 'processing', locked_until = now() + make_interval(secs => ?)
                      FROM (SELECT id FROM webhooks
                             WHERE status IN ('pending', 'processing') AND next_attempt_at <= now()
                               AND (locked_until IS NULL OR locked_until < now())
                             ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED) due
                     WHERE w.id = due.id
                    RETURNING w.id, w.payload::text, w.attempts""")) {
                ps.setInt(1, LOCK_SECONDS);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Delivery(rs.getLong(1), rs.getString(2), rs.getInt(3)));
                    }
                }
            }
            out.sort(Comparator.comparingLong(Delivery::id));
            return out;
        });
    }

    @Override
    public void processed(List<Long> ids) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE webhooks SET status = 'processed', processed_at = now(), locked_until = NULL,
                                        last_error = NULL
                     WHERE id = ANY(?)""")) {
                ps.setArray(1, c.createArrayOf("bigint", ids.toArray(Long[]::new)));
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void failed(long id, String error, int maxAttempts) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE webhooks SET attempts = attempts + 1, last_error = ?, locked_until = NULL,
                           status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END,
                           next_attempt_at = now() + make_interval(secs => least(power(2, attempts + 1), 900)
                                                                            * (0.75 + random() / 2))
                     WHERE id = ?""")) {
                ps.setString(1, error.length() > 1000 ? error.substring(0, 1000) : error);
                ps.setInt(2, maxAttempts);
                ps.setLong(3, id);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public Backlog backlog() {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT count(*) FILTER (WHERE status = 'pending'),
                           count(*) FILTER (WHERE status = 'processing'),
                           floor(extract(epoch FROM now() - min(received_at)))::bigint
                      FROM webhooks WHERE status IN ('pending', 'processing')""");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                long oldest = rs.getLong(3);
                // Asked straight after its own column: null when nothing is waiting.
                Long oldestOrNull = rs.wasNull() ? null : oldest;
                return new Backlog(rs.getLong(1), rs.getLong(2), oldestOrNull);
            }
        });
    }

    @Override
    public long failedDeliveries() {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM webhooks WHERE status = 'failed'");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Override
    public Archiver.Category category() {
        return Archiver.Category.INBOX;
    }

    @Override
    public long due(int days) {
        return RetainedTable.number(jdbc, "SELECT count(*) " + PROCESSED_BEFORE, days);
    }

    /** Deletes processed deliveries older than {@code days}. */
    @Override
    public int batch(int days, int limit) {
        return (int) RetainedTable.number(jdbc, """
                WITH gone AS (
                  DELETE FROM webhooks WHERE id IN (SELECT id %s LIMIT ? FOR UPDATE SKIP LOCKED)
                  RETURNING 1)
                SELECT count(*) FROM gone""".formatted(PROCESSED_BEFORE), days, limit);
    }
}
