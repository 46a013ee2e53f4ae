package aegis.governance;

import aegis.db.Jdbc;
import aegis.jobs.AgedRows;
import aegis.jobs.Archiver;
import jakarta.inject.Singleton;

/** Retention of the audit trail ({@code AEGIS_RETENTION_AUDIT_DAYS}): records older than that are deleted. */
@Singleton
public class AuditRetention extends AgedRows {
    public AuditRetention(Jdbc jdbc) {
        super(jdbc, Archiver.Category.AUDIT, "audit_log",
                "FROM audit_log WHERE at < now() - make_interval(days => ?)", "id");
    }
}
