package aegis.sync;

import aegis.db.Jdbc;
import aegis.jobs.Archiver;
import aegis.jobs.RetainedTable;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

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
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) " + UNCHANGED_BEFORE)) {
                ps.setInt(1, days);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public int batch(int days, int limit) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH marked AS (
                      UPDATE tasks SET archived = true WHERE id IN (SELECT id %s LIMIT ? FOR UPDATE SKIP LOCKED)
                      RETURNING 1)
                    SELECT count(*) FROM marked""".formatted(UNCHANGED_BEFORE))) {
                ps.setInt(1, days);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }
}
