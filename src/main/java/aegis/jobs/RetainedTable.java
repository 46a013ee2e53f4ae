package aegis.jobs;

import aegis.db.Jdbc;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * Retention of a table another package owns: the owner keeps the SQL, the {@link Archiver} the
 * pacing (batch size, time budget, stop). A batch is one statement in its own short
 * transaction that takes only rows nobody holds ({@code FOR UPDATE SKIP LOCKED}).
 */
public interface RetainedTable {
    /** Which of the archiver's categories this table is. */
    Archiver.Category category();

    /** Rows a run would handle now: those past {@code days} (the dry run). */
    long due(int days);

    /**
     * Handles rows past {@code days}, at most {@code limit} of them one by one (whole partitions
     * dropped at once may add more); answers how many. Fewer than {@code limit}: nothing is left.
     */
    int batch(int days, int limit);

    /** Upkeep a run does first, whatever the period (even "for ever"): e.g. partitions created ahead. */
    default void maintain() {
    }

    /** Runs an owner's count or batch: {@code sql} answers one number, {@code args} bound in order. */
    static long number(Jdbc jdbc, String sql, int... args) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    ps.setInt(i + 1, args[i]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }
}
