package aegis.jobs;

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

    /** Handles at most {@code limit} of the rows past {@code days}; answers how many. */
    int batch(int days, int limit);
}
