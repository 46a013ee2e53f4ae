package aegis.dispatch;

import aegis.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * bench/queue-throughput: executions claimed, run by the echo agent and finished per
 * second, with one and with two pool instances on one database. Not part of the test suite
 * (the name does not match Surefire's patterns); bench/queue-throughput runs it and prints
 * the JSON it writes. Answers are counted, not sent: Asana's rate limit (1500 requests a
 * minute) would measure Asana, not the queue.
 */
class QueueThroughputBench {
    private static final int N = Integer.getInteger("bench.executions", 10000);
    private static final int WORKERS = Integer.getInteger("bench.workers", 8);
    /** Executions run first and not measured: a daemon runs with its code compiled, not interpreted. */
    private static final int WARMUP = Integer.getInteger("bench.warmup", 1000);

    @Test
    void measure() throws Exception {
        // One database for all runs, as a daemon that has been running has one: the history each run
        // leaves (executions, events, indexed answers) is there for the next, with its statistics.
        TestDatabase.Schema schema = TestDatabase.freshSchema("bench_queue");
        try {
            long project;
            try (Connection c = schema.connect()) {
                project = QueueFixtures.project(c, "900");
            }
            if (WARMUP > 0) {
                run(schema, project, 1, WARMUP, "w");
            }
            double one = run(schema, project, 1, N, "a");
            double two = run(schema, project, 2, N, "b");
            String json = String.format(java.util.Locale.ROOT,
                    "{\"per_s_one_instance\":%.1f,\"per_s_two_instances\":%.1f,\"executions\":%d,\"workers_per_instance\":%d,"
                            + "\"warmup_executions\":%d}",
                    one, two, N, WORKERS, WARMUP);
            Path out = Path.of(System.getProperty("bench.out", "target/bench/queue-throughput.json"));
            Files.createDirectories(out.getParent());
            Files.writeString(out, json + "\n");
            System.out.println(json);
        } finally {
            schema.drop();
        }
    }

    /** {@code n} executions of new tasks (gids starting with {@code prefix}) run by {@code instances} pools. */
    private double run(TestDatabase.Schema schema, long project, int instances, int n, String prefix) throws Exception {
        Map<Long, AtomicInteger> answers = new ConcurrentHashMap<>();
        List<PoolHarness> pools = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            pools.add(new PoolHarness(schema, "bench-" + prefix + i, WORKERS, Duration.ZERO, answers));
        }
        try (Connection c = pools.get(0).ds.getConnection()) {
            List<Long> tasks = QueueFixtures.tasks(c, project, prefix, n, "bot");
            for (long t : tasks) {
                pools.get(0).store.enqueue(new NewExecution(t, "initial", "echo", 0, 3, null, null, "{}"));
            }
            // What autovacuum does for a running daemon's tables, before the pools plan their statements.
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE");
            }
            long before = completed(c);
            long t0 = System.nanoTime();
            pools.forEach(PoolHarness::start);
            // Watch the answers in memory, then the rows: polling count(*) every few ms would load the
            // database this measures.
            long indexedBefore = indexed(c);
            while (answers.size() < n || completed(c) - before < n) {
                if (System.nanoTime() - t0 > Duration.ofMinutes(5).toNanos()) {
                    throw new IllegalStateException("only " + (completed(c) - before) + " of " + n
                            + " finished in 5 minutes");
                }
                Thread.sleep(answers.size() < n ? 5 : 2);
            }
            // The answers are indexed off the workers' path: the run is over when they are too.
            for (PoolHarness p : pools) {
                if (!p.memory.awaitIndexed(60_000)) {
                    throw new IllegalStateException("answers still not indexed a minute after the last one");
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (answers.size() != n || answers.values().stream().anyMatch(times -> times.get() != 1)) {
                throw new IllegalStateException("an execution was answered other than once");
            }
            if (indexed(c) - indexedBefore != n) {
                throw new IllegalStateException((indexed(c) - indexedBefore) + " answers indexed of " + n);
            }
            return n / seconds;
        } finally {
            pools.forEach(PoolHarness::close);
        }
    }

    private static long indexed(Connection c) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM memories WHERE kind = 'answer'");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long completed(Connection c) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM task_executions WHERE status = 'completed'");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
