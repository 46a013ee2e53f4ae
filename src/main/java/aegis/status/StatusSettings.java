package aegis.status;

import aegis.config.ConfigException;
import aegis.config.Settings;
import aegis.webhook.WebhookSettings;
import java.time.Duration;
import java.util.Locale;

/**
 * <ul>
 *   <li>{@code AEGIS_METRICS_REQUIRE_KEY} (false): when true, /metrics needs an API key too
 *       (once any key exists). Off by default: Prometheus scrapers rarely carry one and the
 *       metrics hold only counts — keep the port private instead.</li>
 *   <li>{@code AEGIS_WEBHOOK_SILENCE_SECONDS} (9 h, see {@link WebhookSettings#silence}): an
 *       active webhook with no heartbeat or delivery for this long is reported "stale" — the
 *       same silence after which the webhook-health task re-registers it.</li>
 * </ul>
 */
public record StatusSettings(boolean metricsRequireKey, Duration webhookStaleAfter) {
    public static StatusSettings from(Settings s) {
        String raw = s.string("AEGIS_METRICS_REQUIRE_KEY").orElse("false").toLowerCase(Locale.ROOT);
        if (!raw.equals("true") && !raw.equals("false")) {
            throw new ConfigException("AEGIS_METRICS_REQUIRE_KEY", "must be true or false, got '" + raw + "'");
        }
        return new StatusSettings(raw.equals("true"),
                WebhookSettings.silence(s));
    }
}
