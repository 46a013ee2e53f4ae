package aegis.status;

import aegis.db.Jdbc;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Executions finished and their cost per UTC day, live and archived alike (both tables' finished_at
 * indexes serve the window), and everything the archive holds (execution_archive_totals' one row).
 */
@Singleton
public final class DailyTotals {
    private final Jdbc jdbc;

    public DailyTotals(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** The last {@code days} days, today included, oldest first, a row for every day. */
    public DayChart lastDays(int days) {
        return jdbc.withConnection(c -> {
            List<DayChart.Day> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH span AS (
                      SELECT (now() AT TIME ZONE 'UTC')::date - (? - 1) AS first_day),
                    finished AS (
                      SELECT finished_at, cost_usd FROM task_executions
                       WHERE finished_at >= (SELECT first_day FROM span) AT TIME ZONE 'UTC'
                      UNION ALL
                      SELECT finished_at, cost_usd FROM task_executions_archive
                       WHERE finished_at >= (SELECT first_day FROM span) AT TIME ZONE 'UTC')
                    SELECT d.day::date, count(f.finished_at), coalesce(sum(f.cost_usd), 0)
                      FROM generate_series((SELECT first_day FROM span), (now() AT TIME ZONE 'UTC')::date,
                                           interval '1 day') AS d(day)
                      LEFT JOIN finished f ON (f.finished_at AT TIME ZONE 'UTC')::date = d.day::date
                     GROUP BY d.day ORDER BY d.day""")) {
                ps.setInt(1, days);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new DayChart.Day(rs.getObject(1, java.time.LocalDate.class), rs.getLong(2),
                                rs.getBigDecimal(3)));
                    }
                }
            }
            long archived = 0;
            BigDecimal archivedCost = BigDecimal.ZERO;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT executions, cost_usd FROM execution_archive_totals WHERE id = 1");
                 ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    archived = rs.getLong(1);
                    archivedCost = rs.getBigDecimal(2);
                }
            }
            return new DayChart(out, archived, StatusReader.money(archivedCost));
        });
    }
}
