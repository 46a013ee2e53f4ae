package aegis.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.ContextFactory;
import aegis.config.Settings;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two scheduler nodes (two contexts) on one schema: each period fires on one node only. */
class ClusteredSchedulerTest {
    private static TestDatabase.Schema schema;

    @BeforeAll
    static void setUp() throws Exception {
        schema = TestDatabase.freshSchema("jobs");
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE job_runs (id bigserial PRIMARY KEY, node text NOT NULL, "
                    + "at timestamptz NOT NULL DEFAULT clock_timestamp())");
        }
    }

    @AfterAll
    static void tearDown() {
        schema.drop();
    }

    @BeforeEach
    void clean() throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            st.execute("TRUNCATE job_runs");
            st.execute("DELETE FROM qrtz_simple_triggers");
            st.execute("DELETE FROM qrtz_cron_triggers");
            st.execute("DELETE FROM qrtz_triggers");
            st.execute("DELETE FROM qrtz_job_details");
            // A stopped node's check-in row stays until another node notices it is gone.
            st.execute("DELETE FROM qrtz_scheduler_state");
        }
    }

    /** A node whose scheduler has started (it starts on a thread of its own, after the context). */
    private ApplicationContext node(String name, String schedule) throws InterruptedException {
        ApplicationContext ctx = ContextFactory.start(TestApp.config(schema.database(), URI.create("http://127.0.0.1:1")),
                Settings.of(Map.of("AEGIS_SCHEDULE_TEST_COUNTER", schedule)),
                Map.of("aegis.test.counting-task", "true", "aegis.test.node", name,
                        "aegis.sync.enabled", "false", "aegis.webhooks.enabled", "false",
                        "aegis.dispatch.enabled", "false"));
        ClusteredScheduler scheduler = ctx.getBean(ClusteredScheduler.class);
        long end = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
        while (!scheduler.running()) {
            if (System.nanoTime() > end) {
                ctx.close();
                throw new AssertionError("the scheduler of node " + name + " did not start");
            }
            Thread.sleep(20);
        }
        return ctx;
    }

    @Test
    void aStartThatComesAfterTheStopStartsNothing() throws Exception {
        ApplicationContext ctx = node("late", "1s");
        ClusteredScheduler scheduler = ctx.getBean(ClusteredScheduler.class);
        ctx.close();
        assertThat(scheduler.running()).isFalse();
        scheduler.start();
        assertThat(scheduler.running()).as("a background start arriving after shutdown").isFalse();
    }

    @Test
    void eachPeriodFiresOnceAcrossTwoNodes() throws Exception {
        long runFor = 6_500;
        int nodesSeen;
        try (ApplicationContext a = node("a", "1s"); ApplicationContext b = node("b", "PT1S")) {
            Thread.sleep(runFor);
            nodesSeen = queryInt("SELECT count(*) FROM qrtz_scheduler_state WHERE sched_name = 'aegis'");
        }
        assertThat(nodesSeen).as("both nodes checked in to one cluster").isEqualTo(2);

        List<Timestamp> runs = new ArrayList<>();
        List<String> nodes = new ArrayList<>();
        try (Connection c = schema.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT at, node FROM job_runs ORDER BY at")) {
            while (rs.next()) {
                runs.add(rs.getTimestamp(1));
                nodes.add(rs.getString(2));
            }
        }
        // First run ~1 s after the trigger is stored, then one per second: 5 or 6 in 6.5 s.
        // Two nodes each firing every period would give about twice as many runs as seconds
        // elapsed between the first and the last; a loaded machine may add a run while closing.
        assertThat(runs).hasSizeGreaterThanOrEqualTo(4);
        long spanSeconds = (runs.get(runs.size() - 1).getTime() - runs.get(0).getTime()) / 1000;
        assertThat(runs.size()).as("runs over %d s", spanSeconds).isLessThanOrEqualTo((int) spanSeconds + 2);
        for (int i = 1; i < runs.size(); i++) {
            long gap = runs.get(i).getTime() - runs.get(i - 1).getTime();
            assertThat(gap).as("gap between runs %d and %d (nodes %s)", i - 1, i, nodes).isGreaterThan(500);
        }
    }

    @Test
    void storedTriggersAreKeptAndRescheduledOnlyWhenTheScheduleChanges() throws Exception {
        long firstStart;
        try (ApplicationContext a = node("a", "1s")) {
            assertThat(queryInt("SELECT repeat_interval FROM qrtz_simple_triggers WHERE trigger_name = 'test-counter'"))
                    .isEqualTo(1000);
            firstStart = queryLong("SELECT start_time FROM qrtz_triggers WHERE trigger_name = 'test-counter'");
            Thread.sleep(20);
            try (ApplicationContext b = node("b", "1s")) {
                assertThat(queryLong("SELECT start_time FROM qrtz_triggers WHERE trigger_name = 'test-counter'"))
                        .as("a second node with the same schedule leaves the stored trigger alone")
                        .isEqualTo(firstStart);
            }
        }
        try (ApplicationContext c = node("c", "3s")) {
            assertThat(queryInt("SELECT repeat_interval FROM qrtz_simple_triggers WHERE trigger_name = 'test-counter'"))
                    .isEqualTo(3000);
        }
        try (ApplicationContext d = node("d", "0 0 3 * * ?")) {
            assertThat(queryInt("SELECT count(*) FROM qrtz_cron_triggers WHERE trigger_name = 'test-counter' "
                    + "AND cron_expression = '0 0 3 * * ?'")).isEqualTo(1);
            assertThat(queryInt("SELECT count(*) FROM qrtz_simple_triggers WHERE trigger_name = 'test-counter'"))
                    .isZero();
        }
    }

    private static int queryInt(String sql) throws Exception {
        return (int) queryLong(sql);
    }

    private static long queryLong(String sql) throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getLong(1);
        }
    }

    @Test
    void stoppingWaitsABoundedTimeForARunningTask() throws Exception {
        ApplicationContext ctx = ContextFactory.start(TestApp.config(schema.database(), URI.create("http://127.0.0.1:1")),
                Settings.of(Map.of("AEGIS_JOBS_STOP_WAIT_SECONDS", "1")),
                Map.of("aegis.test.stubborn-task", "true", "aegis.sync.enabled", "false",
                        "aegis.webhooks.enabled", "false", "aegis.dispatch.enabled", "false"));
        long end = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
        while (count("SELECT count(*) FROM job_runs WHERE node = 'stubborn'") == 0) {
            if (System.nanoTime() > end) {
                ctx.close();
                throw new AssertionError("the task never started");
            }
            Thread.sleep(50);
        }
        long start = System.nanoTime();
        ctx.close();
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start))
                .as("the minute-long task is not waited for").isLessThan(java.time.Duration.ofSeconds(10));
    }

    private static long count(String sql) throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement(); var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
