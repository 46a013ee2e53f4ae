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
 * of processed and failed deliveries ({@link RetainedTable}).
 */
@Singleton
public class InboxStore implements Inbox, InboxBacklog, RetainedTable {
    /** Deliveries done with, either way; each status has its partial index on processed_at. */
    private static final String PROCESSED_BEFORE = """
            FROM webhooks WHERE (status = 'processed' OR status = 'failed')
                            AND processed_at < now() - make_interval(days => ?)""";

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
    public List<Delivery> claim(int limit, int maxAttempts) {
        UUID claim = UUID.randomUUID();
        return jdbc.withConnection(c -> {
            List<Delivery> out = new ArrayList<>();
            // A row still 'processing' was claimed before and its claim expired: that counts.
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH due AS (
                      SELECT id, status = 'processing' AS expired FROM webhooks
                       WHERE status IN ('pending', 'processing') AND next_attempt_at <= now()
                         AND (locked_until IS NULL OR locked_until < now())
                       ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED),
                    marked AS (
                      SELECT id, expired, expired AND w.attempts + 1 >= ? AS exhausted
                        FROM due JOIN webhooks w USING (id)),
                    taken AS (
                      UPDATE webhooks w
                         SET attempts = w.attempts + m.expired::int,
                             status = CASE WHEN m.exhausted THEN 'failed' ELSE 'processing' END,
                             locked_until = CASE WHEN m.exhausted THEN NULL
                                                 ELSE now() + make_interval(secs => ?) END,
                             claimed_by = CASE WHEN m.exhausted THEN NULL ELSE ?::uuid END,
                             processed_at = CASE WHEN m.exhausted THEN now() END,
                             last_error = CASE WHEN m.exhausted
                                               THEN 'claim expired ' || (w.attempts + 1)
                                                    || ' times: processing it may be what stops its worker'
                                               ELSE w.last_error END
                        FROM marked m
                       WHERE w.id = m.id
                      RETURNING w.id, w.payload::text, w.attempts, w.status)
                    SELECT id, payload, attempts FROM taken WHERE status = 'processing'""")) {
                ps.setInt(1, limit);
                ps.setInt(2, maxAttempts);
                ps.setInt(3, LOCK_SECONDS);
                ps.setObject(4, claim);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Delivery(rs.getLong(1), rs.getString(2), rs.getInt(3), claim));
                    }
                }
            }
            out.sort(Comparator.comparingLong(Delivery::id));
            return out;
        });
    }

    @Override
    public int processed(List<Delivery> deliveries) {
        if (deliveries.isEmpty()) {
            return 0;
        }
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE webhooks SET status = 'processed', processed_at = now(), locked_until = NULL,
                                        claimed_by = NULL, last_error = NULL
                     FROM unnest(?::bigint[], ?::uuid[]) AS held(id, claim)
                     WHERE webhooks.id = held.id AND webhooks.claimed_by = held.claim
                       AND webhooks.status = 'processing'""")) {
                ps.setArray(1, c.createArrayOf("bigint", deliveries.stream().map(Delivery::id).toArray()));
                ps.setArray(2, c.createArrayOf("uuid", deliveries.stream().map(Delivery::claim).toArray()));
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public boolean failed(Delivery delivery, String error, int maxAttempts) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE webhooks SET attempts = attempts + 1, last_error = ?, locked_until = NULL, claimed_by = NULL,
                           status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END,
                           processed_at = CASE WHEN attempts + 1 >= ? THEN now() END,
                           next_attempt_at = now() + make_interval(secs => least(power(2, attempts + 1), 900)
                                                                            * (0.75 + random() / 2))
                     WHERE id = ? AND claimed_by = ? AND status = 'processing'""")) {
                ps.setString(1, error.length() > 1000 ? error.substring(0, 1000) : error);
                ps.setInt(2, maxAttempts);
                ps.setInt(3, maxAttempts);
                ps.setLong(4, delivery.id());
                ps.setObject(5, delivery.claim());
                return ps.executeUpdate() == 1;
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

    /** Deletes processed and failed deliveries older than {@code days}. */
    @Override
    public int batch(int days, int limit) {
        return (int) RetainedTable.number(jdbc, """
                WITH gone AS (
                  DELETE FROM webhooks WHERE id IN (SELECT id %s LIMIT ? FOR UPDATE SKIP LOCKED)
                  RETURNING 1)
                SELECT count(*) FROM gone""".formatted(PROCESSED_BEFORE), days, limit);
    }
}
