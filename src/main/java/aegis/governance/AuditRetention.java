package aegis.governance;

import aegis.db.Jdbc;
import aegis.jobs.Archiver;
import aegis.jobs.RetainedTable;
import jakarta.inject.Singleton;

/** Retention of the audit trail ({@code AEGIS_RETENTION_AUDIT_DAYS}): records older than that are deleted. */
@Singleton
public class AuditRetention implements RetainedTable {
    private static final String BEFORE = "FROM audit_log WHERE at < now() - make_interval(days => ?)";

    private final Jdbc jdbc;

    public AuditRetention(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Archiver.Category category() {
        return Archiver.Category.AUDIT;
    }

    @Override
    public long due(int days) {
        return RetainedTable.number(jdbc, "SELECT count(*) " + BEFORE, days);
    }

    @Override
    public int batch(int days, int limit) {
        return (int) RetainedTable.number(jdbc, """
                WITH gone AS (
                  DELETE FROM audit_log WHERE id IN (SELECT id %s ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
                  RETURNING 1)
                SELECT count(*) FROM gone""".formatted(BEFORE), days, limit);
    }
}
