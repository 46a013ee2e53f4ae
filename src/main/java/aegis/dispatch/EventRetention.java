package aegis.dispatch;

import aegis.db.Jdbc;
import aegis.jobs.Archiver;
import aegis.jobs.RetainedTable;
import jakarta.inject.Singleton;

/**
 * Retention of agent events: those past the period are counted per agent, UTC day, type and
 * level into agent_event_daily_counts, then deleted, in one statement per batch, so a count
 * never misses or repeats an event. agent_events_created_idx serves the selection.
 */
@Singleton
public class EventRetention implements RetainedTable {
    private static final String OLD_EVENTS = "FROM agent_events WHERE created_at < now() - make_interval(days => ?)";

    private final Jdbc jdbc;

    public EventRetention(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Archiver.Category category() {
        return Archiver.Category.AGENT_EVENTS;
    }

    @Override
    public long due(int days) {
        return RetainedTable.number(jdbc, "SELECT count(*) " + OLD_EVENTS, days);
    }

    @Override
    public int batch(int days, int limit) {
        return (int) RetainedTable.number(jdbc, """
                WITH gone AS (
                  DELETE FROM agent_events WHERE id IN (
                    SELECT id %s LIMIT ? FOR UPDATE SKIP LOCKED)
                  RETURNING agent_id, event_type, level, created_at),
                counted AS (
                  SELECT agent_id, (created_at AT TIME ZONE 'UTC')::date AS day, event_type, level,
                         count(*) AS n, min(created_at) AS first_at, max(created_at) AS last_at
                    FROM gone GROUP BY 1, 2, 3, 4),
                kept AS (
                  INSERT INTO agent_event_daily_counts AS s
                         (agent_id, day, event_type, level, event_count, first_at, last_at)
                  SELECT agent_id, day, event_type, level, n, first_at, last_at FROM counted
                  ON CONFLICT ((COALESCE(agent_id, 0)), day, event_type, level) DO UPDATE
                    SET event_count = s.event_count + EXCLUDED.event_count,
                        first_at = LEAST(s.first_at, EXCLUDED.first_at),
                        last_at = GREATEST(s.last_at, EXCLUDED.last_at),
                        updated_at = now())
                SELECT count(*) FROM gone""".formatted(OLD_EVENTS), days, limit);
    }
}
