package aegis.jobs;

import aegis.db.Jdbc;
import aegis.metrics.Metrics;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention: moves, summarises, purges and marks old rows in bounded batches. Each batch is
 * one statement in autocommit — its own short transaction — that locks only the rows it
 * takes ({@code FOR UPDATE SKIP LOCKED}), so live inserts and updates never wait on it
 * and two archivers (the job and {@code aegis archive}) never take the same rows. The inbox
 * and the tasks are retained by their owners' SQL ({@link RetainedTable}); executions and
 * their events still by the statements here.
 */
@Singleton
public final class Archiver {
    private static final Logger LOG = LoggerFactory.getLogger(Archiver.class);

    /** What retention handles, in the order a run handles it (events before their executions). */
    public enum Category {
        AGENT_EVENTS("agent_events", "summarised and deleted"),
        EXECUTIONS("executions", "moved to task_executions_archive"),
        INBOX("inbox", "processed and failed deliveries deleted"),
        TASKS("tasks", "completed tasks marked archived");

        public final String label;
        public final String action;

        Category(String label, String action) {
            this.label = label;
            this.action = action;
        }
    }

    /** Rows per category: those a run handled, or (dry run) those it would handle now. */
    public record Report(Map<Category, Long> rows, boolean complete) {
        public long total() {
            return rows.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final Jdbc jdbc;
    private final RetentionPolicy policy;
    private final Metrics metrics;
    private final Map<Category, RetainedTable> owned = new EnumMap<>(Category.class);
    /** Set once the daemon is stopping; never cleared, as a stopping daemon starts no new work. */
    private volatile boolean stopping;

    /** @param owned the tables retained by their owners' SQL: the inbox and the tasks, unless kept for ever */
    public Archiver(Jdbc jdbc, RetentionPolicy policy, Metrics metrics, List<RetainedTable> owned) {
        this.jdbc = jdbc;
        this.policy = policy;
        this.metrics = metrics;
        owned.forEach(t -> this.owned.put(t.category(), t));
        for (Category c : List.of(Category.INBOX, Category.TASKS)) {
            if (days(c) > 0 && !this.owned.containsKey(c)) {
                throw new IllegalStateException("retention of " + c.label + " needs its table's owner "
                        + "(a RetainedTable for " + c + ")");
            }
        }
    }

    private int days(Category c) {
        return switch (c) {
            case AGENT_EVENTS -> policy.agentEventsDays();
            case EXECUTIONS -> policy.executionsDays();
            case INBOX -> policy.inboxDays();
            case TASKS -> policy.tasksDays();
        };
    }

    /**
     * Finished executions past retention, except a task's latest while the task is open: dispatch
     * decides "already answered" from that row (in the order it reads them, created_at then id,
     * which task_executions_task_idx serves), so moving it would get the task answered again.
     */
    private static final String OLD_EXECUTIONS = """
            FROM task_executions t
            WHERE t.finished_at < now() - make_interval(days => ?)
              AND t.status IN ('completed', 'failed', 'cancelled')
              AND NOT EXISTS (SELECT 1 FROM agent_events e WHERE e.execution_id = t.id)
              AND (EXISTS (SELECT 1 FROM task_executions n
                            WHERE n.task_id = t.task_id AND (n.created_at, n.id) > (t.created_at, t.id))
                   OR EXISTS (SELECT 1 FROM tasks k WHERE k.id = t.task_id AND (k.completed OR k.deleted)))""";
    private static final String OLD_EVENTS = "FROM agent_events WHERE created_at < now() - make_interval(days => ?)";

    private static String from(Category c) {
        return switch (c) {
            case AGENT_EVENTS -> OLD_EVENTS;
            case EXECUTIONS -> OLD_EXECUTIONS;
            case INBOX, TASKS -> throw new IllegalArgumentException(c + " is retained by its table's owner");
        };
    }

    /** The dry run: how many rows each category would take now. */
    public Report preview() {
        Map<Category, Long> out = new LinkedHashMap<>();
        jdbc.withConnection(c -> {
            for (Category cat : Category.values()) {
                int d = days(cat);
                if (d == 0) {
                    out.put(cat, 0L);
                    continue;
                }
                if (owned.containsKey(cat)) {
                    out.put(cat, owned.get(cat).due(d));
                    continue;
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT count(*) " + from(cat))) {
                    ps.setInt(1, d);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        out.put(cat, rs.getLong(1));
                    }
                }
            }
            return null;
        });
        return new Report(out, true);
    }

    /**
     * One run: every category, batch after batch, until none is left, the time budget is spent
     * or {@link #stop()} is called.
     */
    public Report run() {
        long deadline = System.nanoTime() + policy.maxRun().toNanos();
        Map<Category, Long> out = new LinkedHashMap<>();
        boolean complete = true;
        for (Category cat : Category.values()) {
            long total = 0;
            if (days(cat) > 0) {
                String sql = owned.containsKey(cat) ? null : statement(cat);
                int n;
                do {
                    if (stopping || System.nanoTime() > deadline) {
                        complete = false;
                        break;
                    }
                    n = batch(cat, sql);
                    total += n;
                } while (n == policy.batchSize());
            }
            out.put(cat, total);
        }
        Report r = new Report(out, complete);
        LOG.info("event=retention_done agent_events={} executions={} inbox={} tasks={} complete={} stopped={}",
                out.get(Category.AGENT_EVENTS), out.get(Category.EXECUTIONS), out.get(Category.INBOX),
                out.get(Category.TASKS), complete, stopping);
        return r;
    }

    /**
     * The daemon is stopping: a run under way ends after its current batch (each batch commits
     * on its own, so nothing is left half done), and later runs start none. A run may otherwise
     * last {@code AEGIS_ARCHIVE_MAX_RUN}, far longer than shutdown waits for running jobs.
     */
    public void stop() {
        stopping = true;
    }

    /** One batch of one category (tests show the bound); rows handled. */
    int runOneBatch(Category cat) {
        return batch(cat, owned.containsKey(cat) ? null : statement(cat));
    }

    /** One batch: by its owner for an owned table, else by {@code sql}. */
    private int batch(Category cat, String sql) {
        RetainedTable owner = owned.get(cat);
        int n = owner != null ? owner.batch(days(cat), policy.batchSize()) : jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setInt(1, days(cat));
                ps.setInt(2, policy.batchSize());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
        if (n > 0) {
            metrics.archived(cat.label, n);
        }
        return n;
    }

    private String statement(Category cat) {
        return switch (cat) {
            case AGENT_EVENTS -> """
                    WITH gone AS (
                      DELETE FROM agent_events WHERE id IN (
                        SELECT id %s LIMIT ? FOR UPDATE SKIP LOCKED)
                      RETURNING agent_id, event_type, level, created_at),
                    counted AS (
                      SELECT agent_id, (created_at AT TIME ZONE 'UTC')::date AS day, event_type, level,
                             count(*) AS n, min(created_at) AS first_at, max(created_at) AS last_at
                        FROM gone GROUP BY 1, 2, 3, 4),
                    kept AS (
                      INSERT INTO agent_event_daily_counts AS s
                             (agent_id, day, event_type, level, event_count, first_at, last_at)
                      SELECT agent_id, day, event_type, level, n, first_at, last_at FROM counted
                      ON CONFLICT ((COALESCE(agent_id, 0)), day, event_type, level) DO UPDATE
                        SET event_count = s.event_count + EXCLUDED.event_count,
                            first_at = LEAST(s.first_at, EXCLUDED.first_at),
                            last_at = GREATEST(s.last_at, EXCLUDED.last_at),
                            updated_at = now())
                    SELECT count(*) FROM gone""".formatted(OLD_EVENTS);
            case EXECUTIONS -> {
                // The archive's totals move with its rows, in the same statement: system_state's
                // totals then never need to scan the archive, and never count a row twice or not at all.
                String cols = String.join(", ", executionColumns());
                yield """
                        WITH moved AS (
                          DELETE FROM task_executions WHERE id IN (
                            SELECT t.id %s LIMIT ? FOR UPDATE OF t SKIP LOCKED)
                          RETURNING %s),
                        kept AS (
                          INSERT INTO task_executions_archive (%s) SELECT %s FROM moved),
                        totalled AS (
                          UPDATE system_state
                             SET archived_executions = archived_executions + (SELECT count(*) FROM moved),
                                 archived_cost_usd = archived_cost_usd
                                                     + (SELECT coalesce(sum(cost_usd), 0) FROM moved)
                           WHERE id = 1 AND EXISTS (SELECT 1 FROM moved))
                        SELECT count(*) FROM moved""".formatted(OLD_EXECUTIONS, cols, cols, cols);
            }
            case INBOX, TASKS -> throw new IllegalArgumentException(cat + " is retained by its table's owner");
        };
    }

    /**
     * The columns of task_executions, all of which the archive must have: a migration that
     * adds one to the live table and not to the archive stops archival here, loudly, rather
     * than drop that column's data.
     */
    List<String> executionColumns() {
        return jdbc.withConnection(c -> {
            List<String> live = columns(c, "task_executions");
            List<String> archive = columns(c, "task_executions_archive");
            List<String> missing = new ArrayList<>(live);
            missing.removeAll(archive);
            if (!missing.isEmpty()) {
                throw new IllegalStateException("task_executions_archive lacks column(s) " + missing
                        + " of task_executions; add them in a migration before archiving");
            }
            return live;
        });
    }

    private static List<String> columns(Connection c, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT column_name FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position""")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add('"' + rs.getString(1) + '"');
                }
            }
        }
        return out;
    }
}
