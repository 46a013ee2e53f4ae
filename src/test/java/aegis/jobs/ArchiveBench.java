package aegis.jobs;

import aegis.config.AegisConfig;
import aegis.db.Jdbc;
import aegis.db.Migrator;
import aegis.dispatch.ExecutionRetention;
import aegis.config.Settings;
import aegis.metrics.Metrics;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code bench/archive}: archives ROWS old executions (default 1,000,000) in a schema of its
 * own while a writer keeps inserting new executions, one per statement, and reports the run
 * time and the longest any insert waited. Last line of output: one JSON object.
 */
public final class ArchiveBench {
    private static final int TASKS = 1000;

    private ArchiveBench() {
    }

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Settings settings = Settings.fromEnvironment();
        AegisConfig.Database server = AegisConfig.database(settings);
        String schema = "bench_archive_" + UUID.randomUUID().toString().substring(0, 8);
        Migrator.migrate(server, schema);
        String url = server.url() + (server.url().contains("?") ? "&" : "?") + "currentSchema=" + schema;
        try {
            run(new AegisConfig.Database(url, server.user(), server.password()), rows, settings);
        } finally {
            try (Connection c = DriverManager.getConnection(server.url(), server.user(), server.password());
                 Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    private static void run(AegisConfig.Database db, int rows, Settings settings) throws Exception {
        long seedStart = System.nanoTime();
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             Statement st = c.createStatement()) {
            st.execute("INSERT INTO projects (asana_gid, name) VALUES ('bench', 'bench')");
            st.execute("INSERT INTO tasks (asana_gid, project_id, name) SELECT 'bench-' || g, "
                    + "(SELECT id FROM projects), 'task ' || g FROM generate_series(1, " + TASKS + ") g");
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
            st.execute("ANALYZE");
        }
        System.err.printf(Locale.ROOT, "bench/archive: seeded %d old executions in %.1f s%n", rows,
                (System.nanoTime() - seedStart) / 1e9);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong maxWaitNanos = new AtomicLong();
        AtomicLong inserts = new AtomicLong();
        java.util.List<Long> waits = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Thread writer = new Thread(() -> write(db, stop, maxWaitNanos, inserts, waits), "bench-writer");

        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(db.url());
        hc.setUsername(db.user());
        hc.setPassword(db.password());
        hc.setMaximumPoolSize(2);
        RetentionPolicy defaults = RetentionPolicy.from(settings);
        RetentionPolicy executionsOnly = new RetentionPolicy(90, 0, 0, 0, defaults.batchSize(), Duration.ofHours(1));
        Archiver.Report report;
        double seconds;
        try (HikariDataSource ds = new HikariDataSource(hc)) {
            Archiver archiver = new Archiver(executionsOnly, Metrics.standalone(),
                    List.of(new ExecutionRetention(new Jdbc(ds))));
            writer.start();
            Thread.sleep(500);
            long start = System.nanoTime();
            report = archiver.run();
            seconds = (System.nanoTime() - start) / 1e9;
            Thread.sleep(500);
            stop.set(true);
            writer.join();
        }
        long archived;
        long live;
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM task_executions_archive), "
                     + "(SELECT count(*) FROM task_executions)")) {
            rs.next();
            archived = rs.getLong(1);
            live = rs.getLong(2);
        }
        long expectedLive = inserts.get() + TASKS;
        if (archived != rows || live != expectedLive) {
            throw new IllegalStateException("expected " + rows + " archived and " + expectedLive
                    + " live, found " + archived + " and " + live);
        }
        java.util.List<Long> sorted = new java.util.ArrayList<>(waits);
        java.util.Collections.sort(sorted);
        double p99 = sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1)) / 1e6;
        long over200 = sorted.stream().filter(w -> w > 200_000_000L).count();
        System.out.printf(Locale.ROOT,
                "{\"rows\":%d,\"seconds\":%.1f,\"max_insert_wait_ms\":%.1f,\"p99_insert_wait_ms\":%.1f,"
                        + "\"inserts_over_200ms\":%d,\"rows_per_s\":%d,\"concurrent_inserts\":%d,\"batch_size\":%d}%n",
                report.rows().get(Archiver.Category.EXECUTIONS), seconds, maxWaitNanos.get() / 1e6, p99, over200,
                Math.round(rows / seconds), inserts.get(), executionsOnly.batchSize());
    }

    /** Inserts new executions one at a time (autocommit, as dispatch does), timing each. */
    private static void write(AegisConfig.Database db, AtomicBoolean stop, AtomicLong maxWait, AtomicLong inserts,
                              java.util.List<Long> waits) {
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("""
                     INSERT INTO task_executions (task_id, status, outcome, finished_at, result)
                     VALUES ((SELECT id FROM tasks WHERE asana_gid = ?), 'completed', 'done', now(), 'new')""")) {
            long i = 0;
            while (!stop.get()) {
                ps.setString(1, "bench-" + (1 + i++ % TASKS));
                long t = System.nanoTime();
                ps.executeUpdate();
                long took = System.nanoTime() - t;
                maxWait.accumulateAndGet(took, Math::max);
                waits.add(took);
                inserts.incrementAndGet();
                Thread.sleep(2);
            }
        } catch (Exception e) {
            throw new IllegalStateException("bench writer failed", e);
        }
    }
}
