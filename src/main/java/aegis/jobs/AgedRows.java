package aegis.jobs;

import aegis.db.Jdbc;

/**
 * Retention that deletes a table's rows once older than the period, oldest first: the owner names
 * its table, the rows past the period ({@code FROM … WHERE …}, the number of days its one
 * parameter) and the order an index serves; the batch and its locking are the same for every such table.
 */
public abstract class AgedRows implements RetainedTable {
    private final Jdbc jdbc;
    private final Archiver.Category category;
    private final String count;
    private final String delete;

    /**
     * @param table the owner's table
     * @param aged  {@code FROM <table> WHERE …}: the rows past the period, the days bound to its one {@code ?}
     * @param order the column the oldest come first by
     */
    protected AgedRows(Jdbc jdbc, Archiver.Category category, String table, String aged, String order) {
        this.jdbc = jdbc;
        this.category = category;
        this.count = "SELECT count(*) " + aged;
        this.delete = """
                WITH gone AS (
                  DELETE FROM %s WHERE id IN (SELECT id %s ORDER BY %s LIMIT ? FOR UPDATE SKIP LOCKED)
                  RETURNING 1)
                SELECT count(*) FROM gone""".formatted(table, aged, order);
    }

    @Override
    public Archiver.Category category() {
        return category;
    }

    @Override
    public long due(int days) {
        return RetainedTable.number(jdbc, count, days);
    }

    @Override
    public int batch(int days, int limit) {
        return (int) RetainedTable.number(jdbc, delete, days, limit);
    }
}
