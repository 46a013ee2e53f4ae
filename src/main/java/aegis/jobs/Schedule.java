package aegis.jobs;

import aegis.config.ConfigException;
import aegis.config.Durations;
import aegis.config.Settings;
import java.time.Duration;
import java.util.Locale;
import org.quartz.CronExpression;

/**
 * When a periodic task runs. Configured per task by {@code AEGIS_SCHEDULE_<NAME>} (the task
 * name upper-cased, anything but letters and digits turned into {@code _}), one of:
 * <ul>
 *   <li>a period, in the settings' one duration grammar ({@link Durations}): {@code 500ms},
 *       {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d}, {@code PT30S}; at least 100ms;</li>
 *   <li>a Quartz cron expression (seconds first, evaluated in UTC): {@code 0 0 3 * * ?}.</li>
 * </ul>
 */
public sealed interface Schedule {
    Duration MINIMUM = Duration.ofMillis(100);

    /** Every {@code period}, starting one period after the trigger is first stored. */
    record Every(Duration period) implements Schedule {
        @Override
        public String toString() {
            return period.toString();
        }
    }

    /** At the times a Quartz cron expression names. */
    record Cron(String expression) implements Schedule {
        @Override
        public String toString() {
            return "cron(" + expression + ")";
        }
    }

    static String settingName(String taskName) {
        return "AEGIS_SCHEDULE_" + taskName.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    /** The task's configured schedule, or its default period. */
    static Schedule forTask(Settings settings, PeriodicTask task) {
        String setting = settingName(task.name());
        return settings.string(setting).map(v -> parse(setting, v))
                .orElseGet(() -> new Every(task.defaultPeriod()));
    }

    static Schedule parse(String setting, String raw) {
        String v = raw.trim();
        if (v.contains(" ")) {
            if (!CronExpression.isValidExpression(v)) {
                throw new ConfigException(setting, "is not a valid Quartz cron expression (seconds "
                        + "minutes hours day-of-month month day-of-week, e.g. '0 0 3 * * ?'): '" + v + "'");
            }
            return new Cron(v);
        }
        if (Durations.read(v).isEmpty()) {
            throw new ConfigException(setting, "must be a duration such as " + Durations.FORMS
                    + ", or a Quartz cron expression such as '0 0 3 * * ?'; got '" + v + "'");
        }
        return new Every(Durations.parse(setting, v, MINIMUM));
    }
}
