package aegis.jobs;

import aegis.config.ConfigException;
import aegis.config.Durations;
import aegis.config.Settings;
import java.time.Duration;
import org.quartz.CronExpression;

/**
 * How long rows stay in the live tables. A period of 0 days keeps that category for ever.
 * <ul>
 *   <li>{@code AEGIS_RETENTION_EXECUTIONS_DAYS} (90): finished executions move to task_executions_archive;
 *       project memories (remembered facts, indexed answers) that old are deleted;</li>
 *   <li>{@code AEGIS_RETENTION_AGENT_EVENTS_DAYS} (30): agent_events are counted per agent, UTC day,
 *       type and level into agent_event_daily_counts, then deleted;</li>
 *   <li>{@code AEGIS_RETENTION_INBOX_DAYS} (7): processed and failed webhook deliveries are deleted;</li>
 *   <li>{@code AEGIS_RETENTION_TASKS_DAYS} (365): completed tasks unchanged that long are marked archived;</li>
 *   <li>{@code AEGIS_RETENTION_AUDIT_DAYS} (365): audit_log records older than that are deleted;</li>
 *   <li>{@code AEGIS_ARCHIVE_BATCH_SIZE} (1000): rows per batch, each batch its own short transaction;</li>
 *   <li>{@code AEGIS_ARCHIVE_MAX_RUN} (PT10M): one run stops starting batches after this long (the
 *       next period continues), so a backlog never holds up a shutdown for long.</li>
 * </ul>
 * An execution that still has agent events is left in place until its events are summarised.
 */
public record RetentionPolicy(int executionsDays, int agentEventsDays, int inboxDays, int tasksDays,
                              int auditDays, int batchSize, Duration maxRun) {

    static final String MAX_RUN = "AEGIS_ARCHIVE_MAX_RUN";

    public static RetentionPolicy from(Settings s) {
        refuseCron(s);
        return new RetentionPolicy(
                s.integer("AEGIS_RETENTION_EXECUTIONS_DAYS", 90, 0, 100_000),
                s.integer("AEGIS_RETENTION_AGENT_EVENTS_DAYS", 30, 0, 100_000),
                s.integer("AEGIS_RETENTION_INBOX_DAYS", 7, 0, 100_000),
                s.integer("AEGIS_RETENTION_TASKS_DAYS", 365, 0, 100_000),
                s.integer("AEGIS_RETENTION_AUDIT_DAYS", 365, 0, 100_000),
                s.integer("AEGIS_ARCHIVE_BATCH_SIZE", 1000, 1, 100_000),
                s.duration(MAX_RUN, Duration.ofMinutes(10), Schedule.MINIMUM));
    }

    /**
     * Schedules accept cron, which means nothing for a run's time budget: said by name rather
     * than left to the general "not a duration".
     */
    private static void refuseCron(Settings s) {
        s.string(MAX_RUN).filter(CronExpression::isValidExpression).ifPresent(raw -> {
            throw new ConfigException(MAX_RUN, "must be a duration such as " + Durations.FORMS + ": how long "
                    + "one retention run may take; a cron expression names times, not a length of time; got '"
                    + raw + "'");
        });
    }
}
