package aegis.sync;

import aegis.db.Jdbc;
import aegis.jobs.Archiver;
import aegis.jobs.RetainedTable;
import jakarta.inject.Singleton;

/**
 * Retention of the mirror: completed tasks unchanged in Asana for the period are marked
 * archived. tasks_archivable_idx serves the selection.
 */
@Singleton
public class TaskRetention implements RetainedTable {
    private static final String UNCHANGED_BEFORE = """
            FROM tasks WHERE completed AND NOT archived
              AND COALESCE(modified_at, completed_at) < now() - make_interval(days => ?)""";

    private final Jdbc jdbc;

    public TaskRetention(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Archiver.Category category() {
        return Archiver.Category.TASKS;
    }

    @Override
    public long due(int days) {
        return RetainedTable.number(jdbc, "SELECT count(*) " + UNCHANGED_BEFORE, days);
    }

    @Override
    public int batch(int days, int limit) {
        return (int) RetainedTable.number(jdbc, """
                WITH marked AS (
                  UPDATE tasks SET archived = true WHERE id IN (SELECT id %s LIMIT ? FOR UPDATE SKIP LOCKED)
                  RETURNING 1)
                SELECT count(*) FROM marked""".formatted(UNCHANGED_BEFORE), days, limit);
    }
}
