package aegis.sync;

import aegis.config.Settings;
import java.time.Duration;

/**
 * Options of the sync engine.
 *
 * @param pollHealthy   how often a project's /events are polled while its webhook is healthy
 * @param pollUnhealthy how often while it is not (no webhook, failed, or silent)
 * @param inboxMaxAttempts attempts before an inbox row is marked failed
 */
public record SyncSettings(Duration pollHealthy, Duration pollUnhealthy, int inboxMaxAttempts) {

    public static SyncSettings read(Settings s) {
        return new SyncSettings(
                Duration.ofSeconds(s.integer("AEGIS_SYNC_POLL_HEALTHY_SECONDS", 600, 1, 86_400)),
                Duration.ofSeconds(s.integer("AEGIS_SYNC_POLL_UNHEALTHY_SECONDS", 30, 1, 86_400)),
                s.integer("AEGIS_SYNC_INBOX_MAX_ATTEMPTS", 10, 1, 1000));
    }
}
