package aegis.jobs;

import aegis.config.ConfigException;
import aegis.config.Settings;
import java.time.Duration;

/**
 * How long rows stay in the live tables. A period of 0 days keeps that category for ever.
 * <ul>
 *   <li>{@code AEGIS_RETENTION_EXECUTIONS_DAYS} (90): finished executions move to task_executions_archive;</li>
 *   <li>{@code AEGIS_RETENTION_AGENT_EVENTS_DAYS} (30): agent_events are counted per agent, UTC day,
 *       type and level into agent_event_daily_counts, then deleted;</li>
 *   <li>{@code AEGIS_RETENTION_INBOX_DAYS} (7): processed webhook deliveries are deleted;</li>
 *   <li>{@code AEGIS_RETENTION_TASKS_DAYS} (365): completed tasks unchanged that long are marked archived;</li>
 *   <li>{@code AEGIS_ARCHIVE_BATCH_SIZE} (1000): rows per batch, each batch its own short transaction;</li>
 *   <li>{@code AEGIS_ARCHIVE_MAX_RUN} (PT10M): one run stops starting batches after this long (the
 *       next period continues), so a backlog never holds up a shutdown for long.</li>
 * </ul>
 * An execution that still has agent events is left in place until its events are summarised.
 */
public record RetentionPolicy(int executionsDays, int agentEventsDays, int inboxDays, int tasksDays,
                              int batchSize, Duration maxRun) {

    static final String MAX_RUN = "AEGIS_ARCHIVE_MAX_RUN";

    public static RetentionPolicy from(Settings s) {
        Duration maxRun = s.string(MAX_RUN).map(RetentionPolicy::maxRun).orElse(Duration.ofMinutes(10));
        return new RetentionPolicy(
                s.integer("AEGIS_RETENTION_EXECUTIONS_DAYS", 90, 0, 100_000),
                s.integer("AEGIS_RETENTION_AGENT_EVENTS_DAYS", 30, 0, 100_000),
                s.integer("AEGIS_RETENTION_INBOX_DAYS", 7, 0, 100_000),
                s.integer("AEGIS_RETENTION_TASKS_DAYS", 365, 0, 100_000),
                s.integer("AEGIS_ARCHIVE_BATCH_SIZE", 1000, 1, 100_000),
                maxRun);
    }

    /**
     * A run's time budget. The schedule syntax also accepts cron, which means nothing for a
     * length of time: refused here by name rather than read as the default.
     */
    private static Duration maxRun(String raw) {
        Schedule parsed;
        try {
            parsed = Schedule.parse(MAX_RUN, raw);
        } catch (ConfigException e) {
            parsed = null;
        }
        if (parsed instanceof Schedule.Every every) {
            return every.period();
        }
        throw new ConfigException(MAX_RUN, "must be a duration such as 10m, 1h or PT10M (at least 100ms): how "
                + "long one retention run may take" + (parsed instanceof Schedule.Cron ? "; a cron expression names "
                + "times, not a length of time" : "") + "; got '" + raw.trim() + "'");
    }
}
