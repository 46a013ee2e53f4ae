package aegis.webhook;

import aegis.config.Settings;
import java.time.Duration;

/**
 * Options of webhook upkeep.
 *
 * @param silence a webhook with neither heartbeat nor delivery for this long counts as unhealthy
 *                (Asana sends heartbeats every 8 hours)
 * @param handshakeTimeout a subscription still pending after this long is marked failed
 */
public record WebhookSettings(Duration silence, Duration handshakeTimeout) {
    public static final String SILENCE = "AEGIS_WEBHOOK_SILENCE_SECONDS";

    public static WebhookSettings read(Settings s) {
        return new WebhookSettings(silence(s),
                Duration.ofSeconds(s.integer("AEGIS_WEBHOOK_HANDSHAKE_TIMEOUT_SECONDS", 600, 5, 86_400)));
    }

    /**
     * {@code AEGIS_WEBHOOK_SILENCE_SECONDS} (9 h): one setting for "this webhook has gone quiet",
     * read here for the health task, the events poll and /status alike.
     */
    public static Duration silence(Settings s) {
        return Duration.ofSeconds(s.integer(SILENCE, 9 * 3600, 5, 30 * 86_400));
    }
}
