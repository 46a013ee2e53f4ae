package aegis.dispatch;

import aegis.config.ConfigException;
import aegis.config.Settings;
import java.time.Duration;
import java.util.Locale;

/**
 * The living progress comment: {@code AEGIS_PROGRESS} ({@code comment}, the default, or
 * {@code none}) and {@code AEGIS_PROGRESS_INTERVAL_SECONDS} (default 15): the first post waits that
 * long, so shorter runs post none, and the story is edited at most that often.
 */
public record ProgressSettings(boolean enabled, Duration interval) {

    public static ProgressSettings from(Settings s) {
        String mode = s.string("AEGIS_PROGRESS").orElse("comment").trim().toLowerCase(Locale.ROOT);
        if (!mode.equals("comment") && !mode.equals("none")) {
            throw new ConfigException("AEGIS_PROGRESS", "must be 'comment' or 'none', got '" + mode + "'");
        }
        return new ProgressSettings(mode.equals("comment"),
                Duration.ofSeconds(s.integer("AEGIS_PROGRESS_INTERVAL_SECONDS", 15, 1, 3600)));
    }
}
