package aegis.jobs;

import aegis.config.ConfigException;
import aegis.config.Settings;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.quartz.CronExpression;

/**
 * When a periodic task runs. Configured per task by {@code AEGIS_SCHEDULE_<NAME>} (the task
 * name upper-cased, anything but letters and digits turned into {@code _}), one of:
 * <ul>
 *   <li>an ISO-8601 duration: {@code PT30S}, {@code PT5M}, {@code P1D};</li>
 *   <li>a number with a unit: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d};</li>
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

    Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

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
        Duration d;
        Matcher m = SIMPLE.matcher(v.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } else {
            try {
                d = Duration.parse(v.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new ConfigException(setting, "must be a period such as PT30S, 30s, 5m, 1h, or a "
                        + "Quartz cron expression such as '0 0 3 * * ?'; got '" + v + "'");
            }
        }
        if (d.compareTo(MINIMUM) < 0) {
            throw new ConfigException(setting, "must be at least 100ms, got '" + v + "'");
        }
        return new Every(d);
    }
}
