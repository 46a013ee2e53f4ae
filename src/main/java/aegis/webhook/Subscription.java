package aegis.webhook;

import java.time.Instant;
import java.util.UUID;

/** A row of webhook_subscriptions, without its secret. */
public record Subscription(UUID id, String asanaWebhookGid, String resourceGid, Long projectId, String target,
                           String status, boolean hasSecret, Instant lastHeartbeatAt, Instant lastDeliveryAt,
                           String lastError, Instant createdAt, Instant updatedAt) {

    /** Healthy: active, and heard from (heartbeat, delivery or creation) within {@code silence}. */
    public boolean healthy(Instant now, java.time.Duration silence) {
        if (!"active".equals(status)) {
            return false;
        }
        Instant last = createdAt;
        if (lastHeartbeatAt != null && lastHeartbeatAt.isAfter(last)) {
            last = lastHeartbeatAt;
        }
        if (lastDeliveryAt != null && lastDeliveryAt.isAfter(last)) {
            last = lastDeliveryAt;
        }
        return !last.plus(silence).isBefore(now);
    }
}
