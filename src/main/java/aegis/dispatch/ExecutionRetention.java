package aegis.dispatch;

import aegis.db.Jdbc;
import aegis.jobs.Archiver;
import aegis.jobs.RetainedTable;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Retention of finished executions: each batch moves them to task_executions_archive, every
 * column intact, and adds them to the archive's totals (the one row of
 * execution_archive_totals), in one statement.
 */
@Singleton
public class ExecutionRetention implements RetainedTable {
    /**
     * Finished executions past retention, except a task's latest while the task is open: dispatch
     * decides "already answered" from that row (in the order it reads them, created_at then id,
     * which task_executions_task_idx serves), so moving it would get the task answered again.
     * Its events do not hold it back: they stay until their day is summarised and dropped.
     */
    private static final String OLD_EXECUTIONS = """
            FROM task_executions t
            WHERE t.finished_at < now() - make_interval(days => ?)
              AND t.status IN ('completed', 'failed', 'cancelled')
              AND (EXISTS (SELECT 1 FROM task_executions n
                            WHERE n.task_id = t.task_id AND (n.created_at, n.id) > (t.created_at, t.id))
                   OR EXISTS (SELECT 1 FROM tasks k WHERE k.id = t.task_id AND (k.completed OR k.deleted)))""";

    private final Jdbc jdbc;

    public ExecutionRetention(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Archiver.Category category() {
        return Archiver.Category.EXECUTIONS;
    }

    @Override
    public long due(int days) {
        return RetainedTable.number(jdbc, "SELECT count(*) " + OLD_EXECUTIONS, days);
    }

    /**
     * The archive's totals move with its rows, in the same statement: the status totals then never
     * need to scan the archive, and never count a row twice or not at all. The columns are read
     * afresh for every batch, so a migration applied while a run is under way stops it too.
     */
    @Override
    public int batch(int days, int limit) {
        String cols = String.join(", ", executionColumns());
        return (int) RetainedTable.number(jdbc, """
                WITH moved AS (
                  DELETE FROM task_executions WHERE id IN (
                    SELECT t.id %s LIMIT ? FOR UPDATE OF t SKIP LOCKED)
                  RETURNING %s),
                kept AS (
                  INSERT INTO task_executions_archive (%s) SELECT %s FROM moved),
                totalled AS (
                  UPDATE execution_archive_totals
                     SET executions = executions + (SELECT count(*) FROM moved),
                         cost_usd = cost_usd + (SELECT coalesce(sum(cost_usd), 0) FROM moved)
                   WHERE id = 1 AND EXISTS (SELECT 1 FROM moved))
                SELECT count(*) FROM moved""".formatted(OLD_EXECUTIONS, cols, cols, cols), days, limit);
    }

    /**
     * The columns of task_executions, all of which the archive must have: a migration that
     * adds one to the live table and not to the archive stops archival here, loudly, rather
     * than drop that column's data. One catalog query by index, well under a millisecond, as
     * it runs before every batch.
     */
    public List<String> executionColumns() {
        return jdbc.withConnection(c -> {
            List<String> live = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT l.attname, a.attname IS NULL
                      FROM pg_attribute l
                      LEFT JOIN pg_attribute a ON a.attrelid = 'task_executions_archive'::regclass
                                              AND a.attname = l.attname AND NOT a.attisdropped
                     WHERE l.attrelid = 'task_executions'::regclass AND l.attnum > 0 AND NOT l.attisdropped
                     ORDER BY l.attnum""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String column = '"' + rs.getString(1) + '"';
                    live.add(column);
                    if (rs.getBoolean(2)) {
                        missing.add(column);
                    }
                }
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("task_executions_archive lacks column(s) " + missing
                        + " of task_executions; add them in a migration before archiving");
            }
            return live;
        });
    }
}
