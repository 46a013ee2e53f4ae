package aegis.status;

import aegis.config.ConfigException;
import aegis.config.Settings;
import java.time.Duration;
import java.util.Locale;

/**
 * <ul>
 *   <li>{@code AEGIS_METRICS_REQUIRE_KEY} (false): when true, /metrics needs an API key too
 *       (once any key exists). Off by default: Prometheus scrapers rarely carry one and the
 *       metrics hold only counts — keep the port private instead.</li>
 *   <li>{@code AEGIS_WEBHOOK_STALE_HOURS} (9): an active webhook with no heartbeat or delivery for
 *       this long is reported "stale" (Asana sends heartbeats about every 8 hours).</li>
 * </ul>
 */
public record StatusSettings(boolean metricsRequireKey, Duration webhookStaleAfter) {
    public static StatusSettings from(Settings s) {
        String raw = s.string("AEGIS_METRICS_REQUIRE_KEY").orElse("false").toLowerCase(Locale.ROOT);
        if (!raw.equals("true") && !raw.equals("false")) {
            throw new ConfigException("AEGIS_METRICS_REQUIRE_KEY", "must be true or false, got '" + raw + "'");
        }
        return new StatusSettings(raw.equals("true"),
                Duration.ofHours(s.integer("AEGIS_WEBHOOK_STALE_HOURS", 9, 1, 24 * 30)));
    }
}
