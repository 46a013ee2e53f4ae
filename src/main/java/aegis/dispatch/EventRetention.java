package aegis.dispatch;

import aegis.db.Jdbc;
import aegis.jobs.Archiver;
import aegis.jobs.RetainedTable;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention of agent events, partitioned by UTC day (V69): a day wholly past the period is
 * counted per agent, day, type and level into agent_event_daily_counts, then its partition is
 * detached and dropped, all in one transaction, so a count never misses or repeats an event and
 * nothing is written to WAL per row. Rows outside a day's partition (the default partition, the
 * pre-partitioning one while part of it is recent) are counted and deleted in batches as before.
 * Each run also creates the partitions of the days ahead.
 */
@Singleton
public class EventRetention implements RetainedTable {
    private static final Logger LOG = LoggerFactory.getLogger(EventRetention.class);
    /** Days ahead that get their partition on each run: a week of runs may fail before the default partition fills. */
    public static final int DAYS_AHEAD = 7;
    /** How long dropping a day waits for the table's lock before trying again next run; event writes queue meanwhile. */
    private static final String LOCK_TIMEOUT = "500ms";
    private static final String OLD_EVENTS = "FROM agent_events WHERE created_at < now() - make_interval(days => ?)";
    private static final String COUNT_INTO_SUMMARY = """
            kept AS (
              INSERT INTO agent_event_daily_counts AS s
                     (agent_id, day, event_type, level, event_count, first_at, last_at)
              SELECT agent_id, day, event_type, level, n, first_at, last_at FROM counted
              ON CONFLICT ((COALESCE(agent_id, 0)), day, event_type, level) DO UPDATE
                SET event_count = s.event_count + EXCLUDED.event_count,
                    first_at = LEAST(s.first_at, EXCLUDED.first_at),
                    last_at = GREATEST(s.last_at, EXCLUDED.last_at),
                    updated_at = now())""";
    private static final String COUNTED = """
            counted AS (
              SELECT agent_id, (created_at AT TIME ZONE 'UTC')::date AS day, event_type, level,
                     count(*) AS n, min(created_at) AS first_at, max(created_at) AS last_at
                FROM %s GROUP BY 1, 2, 3, 4)""";

    private final Jdbc jdbc;

    public EventRetention(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Archiver.Category category() {
        return Archiver.Category.AGENT_EVENTS;
    }

    /** The days ahead get their partitions (a day the default partition already holds rows of is left there). */
    @Override
    public void maintain() {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        for (int i = 0; i <= DAYS_AHEAD; i++) {
            LocalDate day = today.plusDays(i);
            try {
                jdbc.inTransaction(c -> {
                    try (Statement st = c.createStatement()) {
                        st.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
                    }
                    try (PreparedStatement ps = c.prepareStatement("SELECT aegis_agent_events_day(?)")) {
                        ps.setObject(1, day);
                        ps.execute();
                    }
                    return null;
                });
            } catch (RuntimeException ex) {
                LOG.warn("event=event_partition_failed day={} error={}", day, ex.getMessage());
            }
        }
    }

    @Override
    public long due(int days) {
        return RetainedTable.number(jdbc, "SELECT count(*) " + OLD_EVENTS, days);
    }

    /** Every whole day past the period dropped, then one batch of the rows left; answers how many went. */
    @Override
    public int batch(int days, int limit) {
        long dropped = 0;
        for (String partition : pastDays(days)) {
            dropped += dropDay(partition);
        }
        return (int) Math.min(Integer.MAX_VALUE, dropped + deleteRows(days, limit));
    }

    /** Day partitions (and the pre-partitioning one) whose range ends before the period. */
    private List<String> pastDays(int days) {
        return jdbc.withConnection(c -> {
            List<String> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                     WHERE i.inhparent = 'agent_events'::regclass
                       AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
                       AND substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \\(''([^'']+)''\\)')::timestamptz
                           <= now() - make_interval(days => ?)
                     ORDER BY c.relname""")) {
                ps.setInt(1, days);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
            return out;
        });
    }

    /** Counts one past day into the summary and drops its partition, in one transaction; its rows. */
    private long dropDay(String partition) {
        String table = '"' + partition.replace("\"", "\"\"") + '"';
        try {
            return jdbc.inTransaction(c -> {
                long n;
                try (Statement st = c.createStatement()) {
                    st.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
                    try (ResultSet rs = st.executeQuery("WITH " + COUNTED.formatted(table) + ",\n" + COUNT_INTO_SUMMARY
                            + "\nSELECT coalesce(sum(n), 0) FROM counted")) {
                        rs.next();
                        n = rs.getLong(1);
                    }
                    st.execute("ALTER TABLE agent_events DETACH PARTITION " + table);
                    st.execute("DROP TABLE " + table);
                }
                return n;
            });
        } catch (RuntimeException ex) {
            if (ex.getCause() instanceof SQLException sql && "55P03".equals(sql.getSQLState())) {
                LOG.info("event=event_partition_busy partition={}: dropped on a later run", partition);
                return 0;
            }
            throw ex;
        }
    }

    /** At most {@code limit} rows past the period that no dropped day took, counted then deleted. */
    private long deleteRows(int days, int limit) {
        return RetainedTable.number(jdbc, """
                WITH gone AS (
                  DELETE FROM agent_events WHERE (id, created_at) IN (
                    SELECT id, created_at %s LIMIT ? FOR UPDATE SKIP LOCKED)
                  RETURNING agent_id, event_type, level, created_at),
                %s,
                %s
                SELECT count(*) FROM gone""".formatted(OLD_EVENTS, COUNTED.formatted("gone"), COUNT_INTO_SUMMARY),
                days, limit);
    }
}
