package aegis.webhook;

import aegis.db.Jdbc;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.util.UUID;

/** The receiver's writes: one statement per delivery, nothing else on the request path. */
@Singleton
public class InboxStore {
    private final Jdbc jdbc;

    public InboxStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** Stores a delivery with events, pending for the processor. */
    public void store(UUID subscriptionId, String body, int eventCount) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhooks (subscription_id, payload, event_count) "
                    + "VALUES (?, ?::jsonb, ?)")) {
                ps.setObject(1, subscriptionId);
                ps.setString(2, body);
                ps.setInt(3, eventCount);
                return ps.executeUpdate();
            }
        });
    }

    /** A heartbeat: kept in the inbox as already processed, and the subscription's health updated, in one statement. */
    public void heartbeat(UUID subscriptionId, String body) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("WITH hb AS (UPDATE webhook_subscriptions "
                    + "SET last_heartbeat_at = now() WHERE id = ?) "
                    + "INSERT INTO webhooks (subscription_id, payload, event_count, status, processed_at) "
                    + "VALUES (?, ?::jsonb, 0, 'processed', now())")) {
                ps.setObject(1, subscriptionId);
                ps.setObject(2, subscriptionId);
                ps.setString(3, body);
                return ps.executeUpdate();
            }
        });
    }
}
