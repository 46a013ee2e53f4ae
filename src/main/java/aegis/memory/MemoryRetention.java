package aegis.memory;

import aegis.db.Jdbc;
import aegis.jobs.Archiver;
import aegis.jobs.RetainedTable;
import jakarta.inject.Singleton;

/**
 * Retention of memories: remembered facts and indexed answers older than the executions'
 * period ({@code AEGIS_RETENTION_EXECUTIONS_DAYS}) are deleted, as the executions they came
 * with leave the live tables. memories_created_idx serves the selection.
 */
@Singleton
public class MemoryRetention implements RetainedTable {
    private static final String OLDER_THAN = "FROM memories WHERE created_at < now() - make_interval(days => ?)";

    private final Jdbc jdbc;

    public MemoryRetention(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Archiver.Category category() {
        return Archiver.Category.MEMORY;
    }

    @Override
    public long due(int days) {
        return RetainedTable.number(jdbc, "SELECT count(*) " + OLDER_THAN, days);
    }

    @Override
    public int batch(int days, int limit) {
        return (int) RetainedTable.number(jdbc, """
                WITH gone AS (
                  DELETE FROM memories WHERE id IN (SELECT id %s ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED)
                  RETURNING 1)
                SELECT count(*) FROM gone""".formatted(OLDER_THAN), days, limit);
    }
}
