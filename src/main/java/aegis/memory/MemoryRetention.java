package aegis.memory;

import aegis.db.Jdbc;
import aegis.jobs.AgedRows;
import aegis.jobs.Archiver;
import jakarta.inject.Singleton;

/**
 * Retention of memories: remembered facts and indexed answers older than the executions'
 * period ({@code AEGIS_RETENTION_EXECUTIONS_DAYS}) are deleted, as the executions they came
 * with leave the live tables. memories_created_idx serves the selection.
 */
@Singleton
public class MemoryRetention extends AgedRows {
    public MemoryRetention(Jdbc jdbc) {
        super(jdbc, Archiver.Category.MEMORY, "memories",
                "FROM memories WHERE created_at < now() - make_interval(days => ?)", "created_at");
    }
}
