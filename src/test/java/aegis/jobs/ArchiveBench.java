package aegis.jobs;

import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.db.Jdbc;
import aegis.db.Migrator;
import aegis.dispatch.EventRetention;
import aegis.dispatch.ExecutionRetention;
import aegis.metrics.Metrics;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code bench/archive}: archives ROWS old executions (default 1,000,000) and EVENTS old agent
 * events (default 10,000,000, spread over 40 days, each day in its partition as the retention job
 * leaves them) in a schema of its own, while a writer keeps inserting new executions and events,
 * one per statement, timing each. Then the same writer runs as long again with no archival, for the
 * baseline. Last line of output: one JSON object.
 */
public final class ArchiveBench {
    private static final int TASKS = 1000;
    private static final int EVENT_DAYS = 40;

    private ArchiveBench() {
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        long events = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
        Settings settings = Settings.fromEnvironment();
        AegisConfig.Database server = AegisConfig.database(settings);
        String schema = "bench_archive_" + UUID.randomUUID().toString().substring(0, 8);
        Migrator.migrate(server, schema);
        String url = server.url() + (server.url().contains("?") ? "&" : "?") + "currentSchema=" + schema;
        try {
            run(new AegisConfig.Database(url, server.user(), server.password()), rows, events, settings);
        } finally {
            try (Connection c = DriverManager.getConnection(server.url(), server.user(), server.password());
                 Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    private static void run(AegisConfig.Database db, int rows, long events, Settings settings) throws Exception {
        long seedStart = System.nanoTime();
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             Statement st = c.createStatement()) {
            st.execute("INSERT INTO projects (asana_gid, name) VALUES ('bench', 'bench')");
            st.execute("INSERT INTO tasks (asana_gid, project_id, name) SELECT 'bench-' || g, "
                    + "(SELECT id FROM projects), 'task ' || g FROM generate_series(1, " + TASKS + ") g");
            st.execute("INSERT INTO agents (name, agent_type) VALUES ('bench-agent', 'command')");
            for (int done = 0; done < rows; done += 100_000) {
                int n = Math.min(100_000, rows - done);
                st.execute("""
                        INSERT INTO task_executions (task_id, status, outcome, attempt, agent_type, result,
                               input_tokens, output_tokens, cost_usd, duration_ms, started_at, finished_at, created_at)
                        SELECT t.id, 'completed', 'done', 1, 'command', 'Answered the question in ' || g || ' words.',
                               1200, 300, 0.012, 5000, ts - interval '5 seconds', ts, ts - interval '10 seconds'
                          FROM generate_series(1, %d) g
                          JOIN tasks t ON t.asana_gid = 'bench-' || (1 + g %% %d)
                          CROSS JOIN LATERAL (SELECT now() - interval '100 days' - g * interval '1 second' AS ts) x
                        """.formatted(n, TASKS));
            }
            // The archiver keeps a task's latest execution; one recent answer per task makes every old
            // one movable, however few rows the writer adds (a small ROWS once left some behind).
            st.execute("INSERT INTO task_executions (task_id, status, outcome, finished_at, result) "
                    + "SELECT id, 'completed', 'done', now(), 'recent' FROM tasks");
            // Days 31 to 70 ago, each in its own partition, as a daemon running for months has them.
            long perDay = events / EVENT_DAYS;
            for (int d = 0; d < EVENT_DAYS; d++) {
                long n = d == EVENT_DAYS - 1 ? events - perDay * (EVENT_DAYS - 1) : perDay;
                int daysAgo = 31 + d;
                st.execute("SELECT aegis_agent_events_day((now() AT TIME ZONE 'UTC')::date - " + daysAgo + ")");
                st.execute("""
                        INSERT INTO agent_events (agent_id, execution_id, event_type, level, message, data, created_at)
                        SELECT (SELECT id FROM agents), g, CASE WHEN g %% 10 = 0 THEN 'output' ELSE 'tool' END,
                               CASE WHEN g %% 100 = 0 THEN 'warn' ELSE 'info' END, 'Read src/App.java', '{}',
                               ((now() AT TIME ZONE 'UTC')::date - %d)::timestamp AT TIME ZONE 'UTC'
                                 + (g * (86000000.0 / %d)) * interval '1 millisecond'
                          FROM generate_series(1, %d) g""".formatted(daysAgo, Math.max(1, n), n));
            }
            st.execute("ANALYZE");
        }
        System.err.printf(Locale.ROOT, "bench/archive: seeded %d old executions and %d old events in %.1f s%n", rows,
                events, (System.nanoTime() - seedStart) / 1e9);

        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(db.url());
        hc.setUsername(db.user());
        hc.setPassword(db.password());
        hc.setMaximumPoolSize(2);
        RetentionPolicy defaults = RetentionPolicy.from(settings);
        RetentionPolicy policy = new RetentionPolicy(90, 30, 0, 0, 0, defaults.batchSize(), Duration.ofHours(1));
        Archiver.Report report;
        double seconds;
        Writer during = new Writer(db);
        try (HikariDataSource ds = new HikariDataSource(hc)) {
            Jdbc jdbc = new Jdbc(ds);
            Archiver archiver = new Archiver(policy, Metrics.standalone(),
                    List.of(new EventRetention(jdbc), new ExecutionRetention(jdbc),
                            new aegis.memory.MemoryRetention(jdbc)));
            during.start();
            Thread.sleep(500);
            long start = System.nanoTime();
            report = archiver.run();
            seconds = (System.nanoTime() - start) / 1e9;
            Thread.sleep(500);
            during.stop();
        }
        long archived;
        long live;
        long summarised;
        long oldEvents;
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM task_executions_archive), "
                     + "(SELECT count(*) FROM task_executions), "
                     + "(SELECT coalesce(sum(event_count), 0) FROM agent_event_daily_counts), "
                     + "(SELECT count(*) FROM agent_events WHERE created_at < now() - interval '30 days')")) {
            rs.next();
            archived = rs.getLong(1);
            live = rs.getLong(2);
            summarised = rs.getLong(3);
            oldEvents = rs.getLong(4);
        }
        long expectedLive = during.inserts + TASKS;
        if (archived != rows || live != expectedLive || summarised != events || oldEvents != 0) {
            throw new IllegalStateException("expected " + rows + " archived, " + expectedLive + " live, " + events
                    + " events summarised and none left; found " + archived + ", " + live + ", " + summarised
                    + " and " + oldEvents);
        }
        // The baseline: the same writer as long again, nothing archived, once the dead rows are vacuumed.
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             Statement st = c.createStatement()) {
            st.execute("VACUUM ANALYZE task_executions");
        }
        Writer alone = new Writer(db);
        alone.start();
        Thread.sleep(Math.round(seconds * 1000) + 1000);
        alone.stop();

        List<Long> sorted = during.sortedWaits();
        double p99 = sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1,
                Math.ceil(sorted.size() * 0.99) - 1)) / 1e6;
        long over100 = sorted.stream().filter(w -> w > 100_000_000L).count();
        System.out.printf(Locale.ROOT,
                "{\"rows\":%d,\"events\":%d,\"seconds\":%.1f,\"max_insert_wait_ms\":%.1f,"
                        + "\"baseline_max_insert_wait_ms\":%.1f,\"p99_insert_wait_ms\":%.1f,\"inserts_over_100ms\":%d,"
                        + "\"executions_moved\":%d,\"events_summarised\":%d,\"concurrent_inserts\":%d,"
                        + "\"baseline_inserts\":%d,\"batch_size\":%d}%n",
                rows, events, seconds, during.maxMs(), alone.maxMs(), p99, over100,
                report.rows().get(Archiver.Category.EXECUTIONS), report.rows().get(Archiver.Category.AGENT_EVENTS),
                during.inserts, alone.inserts, policy.batchSize());
    }

    /** Inserts a new execution and an event for it, one statement each (autocommit, as dispatch does), timing each. */
    private static final class Writer {
        private final AegisConfig.Database db;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Long> waits = Collections.synchronizedList(new ArrayList<>());
        private volatile long inserts;
        private volatile Exception failure;
        private Thread thread;

        Writer(AegisConfig.Database db) {
            this.db = db;
        }

        void start() {
            thread = new Thread(this::write, "bench-writer");
            thread.start();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join();
            if (failure != null) {
                throw new IllegalStateException("bench writer failed", failure);
            }
        }

        double maxMs() {
            return sortedWaits().stream().mapToLong(Long::longValue).max().orElse(0) / 1e6;
        }

        List<Long> sortedWaits() {
            List<Long> sorted = new ArrayList<>(waits);
            Collections.sort(sorted);
            return sorted;
        }

        private void write() {
            try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
                 PreparedStatement execution = c.prepareStatement("""
                         INSERT INTO task_executions (task_id, status, outcome, finished_at, result)
                         VALUES ((SELECT id FROM tasks WHERE asana_gid = ?), 'completed', 'done', now(), 'new')
                         RETURNING id""");
                 PreparedStatement event = c.prepareStatement("""
                         INSERT INTO agent_events (execution_id, event_type, message) VALUES (?, 'tool', 'Ran mvn test')""")) {
                long i = 0;
                while (!stop.get()) {
                    execution.setString(1, "bench-" + (1 + i++ % TASKS));
                    long t = System.nanoTime();
                    long id;
                    try (ResultSet rs = execution.executeQuery()) {
                        rs.next();
                        id = rs.getLong(1);
                    }
                    waits.add(System.nanoTime() - t);
                    event.setLong(1, id);
                    t = System.nanoTime();
                    event.executeUpdate();
                    waits.add(System.nanoTime() - t);
                    inserts++;
                    Thread.sleep(2);
                }
            } catch (Exception e) {
                failure = e;
            }
        }
    }
}
