package aegis.webhook;

import aegis.db.Jdbc;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL of webhook_subscriptions. Secrets go in and out only as ciphertext. */
@Singleton
public class SubscriptionRepository {
    private static final String COLS = "id, asana_webhook_gid, resource_gid, project_id, target, status, "
            + "secret_encrypted IS NOT NULL, last_heartbeat_at, last_delivery_at, last_error, created_at, updated_at";

    /**
     * How long a registration's handshake may take: Asana calls back while the create call is
     * open, and that call gives up well within this (the client's read timeout).
     */
    static final java.time.Duration HANDSHAKE_WINDOW = java.time.Duration.ofSeconds(60);

    private final Jdbc jdbc;

    public SubscriptionRepository(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Writes a pending subscription; false when the project already has a pending or active one
     * (another instance registering at the same moment: the database holds one per project).
     */
    public boolean createPending(UUID id, String resourceGid, Long projectId, String target) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_subscriptions "
                    + "(id, resource_gid, project_id, target, status, handshake_until) "
                    + "VALUES (?, ?, ?, ?, 'pending', now() + make_interval(secs => " + HANDSHAKE_WINDOW.toSeconds() + ")) "
                    + "ON CONFLICT (project_id) WHERE status IN ('pending', 'active') DO NOTHING")) {
                ps.setObject(1, id);
                ps.setString(2, resourceGid);
                ps.setObject(3, projectId);
                ps.setString(4, target);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * Stores the handshake's secret, only for a pending subscription that has none yet and whose
     * registration is in flight: a second handshake cannot replace the secret, and a pending row
     * left by a crashed registration takes none.
     */
    public boolean acceptHandshake(UUID id, byte[] sealedSecret) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_subscriptions SET secret_encrypted = ? "
                    + "WHERE id = ? AND status = 'pending' AND secret_encrypted IS NULL AND handshake_until > now()")) {
                ps.setBytes(1, sealedSecret);
                ps.setObject(2, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * Activates a pending subscription whose handshake stored a secret; false (and nothing changed)
     * otherwise: an active subscription without a secret could never verify a delivery.
     */
    public boolean activate(UUID id, String asanaWebhookGid) {
        return update("UPDATE webhook_subscriptions SET status = 'active', asana_webhook_gid = ?, last_error = NULL, "
                + "handshake_until = NULL "
                + "WHERE id = ? AND status = 'pending' AND secret_encrypted IS NOT NULL", asanaWebhookGid, id) == 1;
    }

    public void fail(UUID id, String error) {
        update("UPDATE webhook_subscriptions SET status = 'failed', last_error = ?, handshake_until = NULL WHERE id = ?",
                error.length() > 500 ? error.substring(0, 500) : error, id);
    }

    public void markDeleted(UUID id, String why) {
        update("UPDATE webhook_subscriptions SET status = 'deleted', last_error = ? WHERE id = ?", why, id);
    }

    private int update(String sql, String text, UUID id) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, text);
                ps.setObject(2, id);
                return ps.executeUpdate();
            }
        });
    }

    /** The registration's create call returned: no handshake is taken for it any more. */
    public void closeHandshake(UUID id) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE webhook_subscriptions SET handshake_until = NULL WHERE id = ? AND handshake_until IS NOT NULL")) {
                ps.setObject(1, id);
                return ps.executeUpdate();
            }
        });
    }

    /** Status and ciphertext, for the receiver. */
    public record Sealed(String status, byte[] secret) {
    }

    public Optional<Sealed> sealed(UUID id) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT status, secret_encrypted FROM webhook_subscriptions WHERE id = ?")) {
                ps.setObject(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Sealed(rs.getString(1), rs.getBytes(2))) : Optional.empty();
                }
            }
        });
    }

    public Optional<Subscription> find(UUID id) {
        return query("SELECT " + COLS + " FROM webhook_subscriptions WHERE id = ?", id).stream().findFirst();
    }

    /** Every subscription not deleted, oldest first. */
    public List<Subscription> live() {
        return query("SELECT " + COLS + " FROM webhook_subscriptions WHERE status <> 'deleted' "
                + "ORDER BY created_at", null);
    }

    private List<Subscription> query(String sql, UUID id) {
        return jdbc.withConnection(c -> {
            List<Subscription> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (id != null) {
                    ps.setObject(1, id);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long pid = rs.getLong(4);
                        out.add(new Subscription(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                                rs.wasNull() ? null : pid, rs.getString(5), rs.getString(6), rs.getBoolean(7),
                                instant(rs.getTimestamp(8)), instant(rs.getTimestamp(9)), rs.getString(10),
                                instant(rs.getTimestamp(11)), instant(rs.getTimestamp(12))));
                    }
                }
            }
            return out;
        });
    }

    /** Copies the newest inbox arrival onto each subscription (kept off the receiver's hot path). */
    public int refreshLastDelivery() {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_subscriptions s SET last_delivery_at = "
                    + "d.last FROM (SELECT s2.id, (SELECT max(w.received_at) FROM webhooks w "
                    + "  WHERE w.subscription_id = s2.id) AS last FROM webhook_subscriptions s2 "
                    + "  WHERE s2.status <> 'deleted') d "
                    + "WHERE s.id = d.id AND d.last IS NOT NULL AND s.last_delivery_at IS DISTINCT FROM d.last")) {
                return ps.executeUpdate();
            }
        });
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
