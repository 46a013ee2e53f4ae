package aegis.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.Settings;
import aegis.db.Jdbc;
import aegis.dispatch.EventRetention;
import aegis.dispatch.ExecutionRetention;
import aegis.governance.AuditRetention;
import aegis.governance.Instance;
import aegis.metrics.Metrics;
import aegis.status.Status;
import aegis.status.StatusReader;
import aegis.status.StatusSettings;
import aegis.governance.SystemStateRefresh;
import aegis.sync.TaskRetention;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import aegis.webhook.InboxStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

class ArchiverTest {
    private static TestDatabase.Schema schema;
    private static Jdbc jdbc;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("archiver");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(schema.database().url());
        ds.setUser(schema.database().user());
        ds.setPassword(schema.database().password());
        jdbc = new Jdbc(ds);
    }

    @AfterAll
    static void tearDown() {
        schema.drop();
    }

    private Archiver archiver(int batch) {
        return new Archiver(new RetentionPolicy(90, 30, 7, 365, 365, batch, Duration.ofMinutes(1)), new Metrics(registry),
                List.of(new EventRetention(jdbc), new ExecutionRetention(jdbc), new InboxStore(jdbc),
                        new TaskRetention(jdbc), new AuditRetention(jdbc),
                        new aegis.memory.MemoryRetention(jdbc)));
    }

    @BeforeEach
    void seed() throws Exception {
        sql("""
            TRUNCATE projects, tasks, task_executions, task_executions_archive, agents, agent_events,
                     agent_event_daily_counts, webhooks, audit_log CASCADE;
            UPDATE execution_archive_totals SET executions = 0, cost_usd = 0 WHERE id = 1;
            UPDATE system_state SET total_executions = 0, total_cost_usd = 0 WHERE id = 1;
            INSERT INTO projects (asana_gid, name) VALUES ('p1', 'P');
            INSERT INTO agents (name, agent_type) VALUES ('a1', 'command'), ('a2', 'command');
            -- tasks: 1 open; 2 completed and untouched for 400 days; 3 completed recently; 4 completed, old, but modified lately
            INSERT INTO tasks (asana_gid, project_id, completed, completed_at, modified_at) VALUES
              ('t1', (SELECT id FROM projects), false, NULL, now() - interval '500 days'),
              ('t2', (SELECT id FROM projects), true, now() - interval '400 days', now() - interval '400 days'),
              ('t3', (SELECT id FROM projects), true, now() - interval '10 days', now() - interval '10 days'),
              ('t4', (SELECT id FROM projects), true, now() - interval '400 days', now() - interval '5 days');
            -- 10 executions finished 100 days ago, 2 finished 10 days ago, 1 pending
            INSERT INTO task_executions (task_id, status, outcome, finished_at, cost_usd, input_tokens, result)
              SELECT (SELECT id FROM tasks WHERE asana_gid = 't1'), 'completed', 'done',
                     now() - interval '100 days', 0.5, g, 'old ' || g FROM generate_series(1, 10) g;
            -- t1's latest run is recent: its old ones are history
            INSERT INTO task_executions (task_id, status, outcome, finished_at)
              VALUES ((SELECT id FROM tasks WHERE asana_gid = 't1'), 'completed', 'done', now() - interval '5 days');
            INSERT INTO task_executions (task_id, status, outcome, finished_at)
              SELECT (SELECT id FROM tasks WHERE asana_gid = 't3'), 'failed', 'failed', now() - interval '10 days'
                FROM generate_series(1, 2);
            INSERT INTO task_executions (task_id, status) VALUES ((SELECT id FROM tasks WHERE asana_gid = 't3'), 'pending');
            -- events: 5 old for a1 on one day (3 info 'tool', 2 error 'tool'), 1 old of no agent,
            -- 1 recent for a2 attached to an old execution (which stays after its execution is archived)
            INSERT INTO agent_events (agent_id, event_type, level, created_at)
              SELECT (SELECT id FROM agents WHERE name = 'a1'), 'tool', 'info', date_trunc('day', now() - interval '40 days') + g * interval '1 minute'
                FROM generate_series(1, 3) g;
            INSERT INTO agent_events (agent_id, event_type, level, created_at)
              SELECT (SELECT id FROM agents WHERE name = 'a1'), 'tool', 'error', date_trunc('day', now() - interval '40 days') + g * interval '1 hour'
                FROM generate_series(1, 2) g;
            INSERT INTO agent_events (agent_id, event_type, created_at) VALUES (NULL, 'started', now() - interval '35 days');
            INSERT INTO agent_events (agent_id, execution_id, event_type, created_at)
              VALUES ((SELECT id FROM agents WHERE name = 'a2'), (SELECT min(id) FROM task_executions), 'output', now() - interval '3 days');
            -- inbox: processed 10 days ago (x3), processed yesterday, pending from 10 days ago
            INSERT INTO webhooks (payload, status, processed_at, received_at)
              SELECT '{}', 'processed', now() - interval '10 days', now() - interval '10 days' FROM generate_series(1, 3);
            INSERT INTO webhooks (payload, status, processed_at) VALUES ('{}', 'processed', now() - interval '1 day');
            INSERT INTO webhooks (payload, status, received_at) VALUES ('{}', 'pending', now() - interval '10 days');
            -- audit: two records past the year, one recent
            INSERT INTO audit_log (at, category, actor, action, result)
              SELECT now() - interval '400 days', 'operator', 'unix:ops', 'pause', 'ok' FROM generate_series(1, 2);
            INSERT INTO audit_log (category, actor, action, result) VALUES ('operator', 'unix:ops', 'resume', 'ok');
            """);
    }

    @Test
    void dryRunCountsWithoutChangingAnything() throws Exception {
        Archiver.Report r = archiver(3).preview();
        assertThat(r.rows()).containsEntry(Archiver.Category.EXECUTIONS, 10L)
                .containsEntry(Archiver.Category.AGENT_EVENTS, 6L)
                .containsEntry(Archiver.Category.INBOX, 3L)
                .containsEntry(Archiver.Category.TASKS, 1L)
                .containsEntry(Archiver.Category.AUDIT, 2L);
        assertThat(count("task_executions")).isEqualTo(14);
        assertThat(count("audit_log")).isEqualTo(3);
        assertThat(count("agent_events")).isEqualTo(7);
    }

    @Test
    void movesOldDataInBoundedBatchesAndKeepsSummaries() throws Exception {
        Archiver a = archiver(3);
        assertThat(a.runOneBatch(Archiver.Category.EXECUTIONS)).as("one batch is bounded").isEqualTo(3);
        assertThat(count("task_executions_archive")).isEqualTo(3);

        Archiver.Report r = a.run();
        assertThat(r.complete()).isTrue();
        assertThat(r.rows()).containsEntry(Archiver.Category.EXECUTIONS, 7L)
                .containsEntry(Archiver.Category.AGENT_EVENTS, 6L)
                .containsEntry(Archiver.Category.INBOX, 3L)
                .containsEntry(Archiver.Category.TASKS, 1L)
                .containsEntry(Archiver.Category.AUDIT, 2L);
        assertThat(count("audit_log")).as("the recent record stays").isEqualTo(1);

        // executions: 10 archived with every column intact; the recent and the pending stay
        assertThat(count("task_executions_archive")).isEqualTo(10);
        assertThat(count("task_executions")).isEqualTo(4);
        assertThat(longOf("SELECT sum(input_tokens) FROM task_executions_archive")
                + longOf("SELECT sum(input_tokens) FROM task_executions WHERE finished_at < now() - interval '90 days'"))
                .isEqualTo(55);
        assertThat(longOf("SELECT count(*) FROM task_executions_archive WHERE result LIKE 'old %' AND cost_usd = 0.5 "
                + "AND status = 'completed' AND outcome = 'done'")).isEqualTo(10);

        // events: summaries per agent, day, type, level; the recent one stays
        assertThat(rows("SELECT coalesce(a.name, '-') || ':' || s.event_type || ':' || s.level || ':' || s.event_count "
                + "FROM agent_event_daily_counts s LEFT JOIN agents a ON a.id = s.agent_id ORDER BY 1"))
                .containsExactly("-:started:info:1", "a1:tool:error:2", "a1:tool:info:3");
        assertThat(count("agent_events")).isEqualTo(1);
        assertThat(longOf("SELECT count(*) FROM agent_events e JOIN task_executions_archive a ON a.id = e.execution_id"))
                .as("the recent event outlives its archived execution, until its day is summarised").isEqualTo(1);

        assertThat(rows("SELECT status || ':' || (processed_at > now() - interval '2 days') FROM webhooks "
                + "WHERE status = 'processed'")).containsExactly("processed:true");
        assertThat(count("webhooks")).isEqualTo(2);
        assertThat(rows("SELECT asana_gid FROM tasks WHERE archived")).containsExactly("t2");

        // a second run finds nothing; the counter recorded what moved
        assertThat(a.run().total()).isZero();
        assertThat(registry.counter(Metrics.ARCHIVED_ROWS, "category", "executions").count()).isEqualTo(10.0);
    }

    @Test
    void summariesAddUpAcrossRuns() throws Exception {
        Archiver a = archiver(2);
        a.run();
        sql("""
            INSERT INTO agent_events (agent_id, event_type, level, created_at)
              VALUES ((SELECT id FROM agents WHERE name = 'a1'), 'tool', 'info', date_trunc('day', now() - interval '40 days') + interval '5 hours')""");
        a.run();
        assertThat(longOf("SELECT event_count FROM agent_event_daily_counts WHERE event_type = 'tool' AND level = 'info'"))
                .isEqualTo(4);
    }

    @Test
    void rowsLockedByALiveTransactionAreSkippedNotWaitedFor() throws Exception {
        try (Connection holder = schema.connect()) {
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.execute("SELECT id FROM task_executions WHERE finished_at < now() - interval '90 days' "
                        + "ORDER BY id DESC LIMIT 1 FOR UPDATE");
            }
            Archiver.Report r = archiver(4).run();
            assertThat(r.rows()).containsEntry(Archiver.Category.EXECUTIONS, 9L);
            holder.rollback();
        }
        assertThat(archiver(4).run().rows()).containsEntry(Archiver.Category.EXECUTIONS, 1L);
    }

    @Test
    void anOpenTasksLatestExecutionStaysWhateverItsAge() throws Exception {
        sql("""
            INSERT INTO tasks (asana_gid, project_id, completed, deleted) VALUES
              ('open', (SELECT id FROM projects), false, false),
              ('done', (SELECT id FROM projects), true, false),
              ('gone', (SELECT id FROM projects), false, true);
            INSERT INTO task_executions (task_id, status, outcome, finished_at, created_at, result)
              SELECT k.id, 'failed', 'failed', now() - interval '200 days', now() - interval '201 days', k.asana_gid || ' older'
                FROM tasks k WHERE k.asana_gid IN ('open', 'done', 'gone');
            INSERT INTO task_executions (task_id, status, outcome, finished_at, created_at, result)
              SELECT k.id, 'failed', 'failed', now() - interval '100 days', now() - interval '101 days', k.asana_gid || ' latest'
                FROM tasks k WHERE k.asana_gid IN ('open', 'done', 'gone');
            """);
        archiver(50).run();
        assertThat(rows("SELECT result FROM task_executions WHERE result LIKE '% older' OR result LIKE '% latest'"))
                .as("what stops an open task being answered again").containsExactly("open latest");
        assertThat(rows("SELECT result FROM task_executions_archive WHERE result NOT LIKE 'old %' ORDER BY result"))
                .containsExactly("done latest", "done older", "gone latest", "gone older", "open older");
    }

    @Test
    void totalsStayTheSameWhenExecutionsMoveAndTheRefreshLeavesTheArchiveAlone() throws Exception {
        SystemStateRefresh refresh = new SystemStateRefresh(jdbc, new Instance("test-node", 1, Instant.now()));
        refresh.run();
        assertThat(rows("SELECT total_executions || ':' || total_cost_usd FROM system_state"))
                .containsExactly("14:5.000000");

        archiver(4).run();
        assertThat(rows("SELECT executions || ':' || cost_usd FROM execution_archive_totals"))
                .as("the move keeps the archive's totals").containsExactly("10:5.000000");
        refresh.run();
        assertThat(rows("SELECT total_executions || ':' || total_cost_usd FROM system_state"))
                .containsExactly("14:5.000000");

        // The refresh takes the archive's part from its totals: rows it would have counted change nothing.
        sql("DELETE FROM task_executions_archive");
        refresh.run();
        assertThat(rows("SELECT total_executions || ':' || total_cost_usd FROM system_state"))
                .containsExactly("14:5.000000");
    }

    /**
     * What /status shows (the refreshed row, read by StatusReader) stays exact while a run moves
     * executions one batch at a time: a refresh between, or during, any two batches sees each
     * execution once, live or archived.
     */
    @Test
    void statusTotalsStayExactWhileARunMovesExecutions() throws Exception {
        SystemStateRefresh refresh = new SystemStateRefresh(jdbc, new Instance("test-node", 1, Instant.now()));
        StatusReader status = new StatusReader(jdbc, StatusSettings.from(Settings.of(Map.of())), new InboxStore(jdbc),
                new aegis.governance.BudgetUsage(jdbc, aegis.governance.BudgetCaps.inDatabase(jdbc),
                        java.time.Clock.systemUTC()));
        refresh.run();
        Status.Orchestrator before = status.read(null).orchestrator();
        assertThat(before.totalExecutions() + ":" + before.totalCostUsd()).isEqualTo("14:5.000000");

        Set<String> seen = ConcurrentHashMap.newKeySet();
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService refreshes = Executors.newSingleThreadExecutor();
        Future<Integer> refreshing = refreshes.submit(() -> {
            int n = 0;
            while (!done.get() || n == 0) {
                refresh.run();
                Status.Orchestrator o = status.read(null).orchestrator();
                seen.add(o.totalExecutions() + ":" + o.totalCostUsd());
                n++;
            }
            return n;
        });
        try {
            Archiver.Report r = archiver(1).run();
            assertThat(r.rows()).containsEntry(Archiver.Category.EXECUTIONS, 10L);
        } finally {
            done.set(true);
            assertThat(refreshing.get(20, TimeUnit.SECONDS)).isPositive();
            refreshes.shutdownNow();
        }
        assertThat(seen).as("totals seen by refreshes during the run").containsExactly("14:5.000000");

        refresh.run();
        Status.Orchestrator after = status.read(null).orchestrator();
        assertThat(after.totalExecutions() + ":" + after.totalCostUsd()).isEqualTo("14:5.000000");
        assertThat(count("task_executions_archive")).isEqualTo(10);
    }

    /**
     * A day with a partition of its own is counted and dropped whole; a day whose rows the default
     * partition took first keeps them there, and they go row by row; the days ahead get partitions.
     */
    @Test
    void aPastDayIsSummarisedThenItsPartitionDropped() throws Exception {
        sql("""
            SELECT aegis_agent_events_day((now() AT TIME ZONE 'UTC')::date - 50);
            INSERT INTO agent_events (agent_id, event_type, level, created_at)
              SELECT (SELECT id FROM agents WHERE name = 'a2'), 'tool', 'info',
                     ((now() AT TIME ZONE 'UTC')::date - 50)::timestamp AT TIME ZONE 'UTC' + g * interval '1 minute'
                FROM generate_series(1, 4) g;
            INSERT INTO agent_events (agent_id, event_type, level, created_at)
              VALUES ((SELECT id FROM agents WHERE name = 'a2'), 'tool', 'info',
                      ((now() AT TIME ZONE 'UTC')::date - 60)::timestamp AT TIME ZONE 'UTC' + interval '1 hour')""");
        String day50 = "agent_events_p" + java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(50)
                .format(java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
        assertThat(longOf("SELECT count(*) FROM " + day50)).isEqualTo(4);
        assertThat(rows("SELECT aegis_agent_events_day((now() AT TIME ZONE 'UTC')::date - 60)::text"))
                .as("a day the default partition holds rows of gets no partition").containsExactly("false");
        sql("SELECT aegis_agent_events_day((now() AT TIME ZONE 'UTC')::date + 20)");

        Archiver.Report r = archiver(2).run();
        // 4 in the dropped day, 7 row by row (6 of the seed and the one of day -60), in batches of 2.
        assertThat(r.rows()).containsEntry(Archiver.Category.AGENT_EVENTS, 11L);
        assertThat(rows("SELECT (to_regclass('" + day50 + "') IS NULL)::text")).containsExactly("true");
        assertThat(rows("SELECT s.day || ':' || s.event_count FROM agent_event_daily_counts s "
                + "JOIN agents a ON a.id = s.agent_id WHERE a.name = 'a2' ORDER BY s.day")).containsExactly(
                java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(60) + ":1",
                java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(50) + ":4");
        assertThat(count("agent_events")).isEqualTo(1);
        for (int i = 0; i <= EventRetention.DAYS_AHEAD; i++) {
            String ahead = "agent_events_p" + java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(i)
                    .format(java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
            assertThat(rows("SELECT (to_regclass('" + ahead + "') IS NOT NULL)::text")).as(ahead).containsExactly("true");
        }
    }

    @Test
    void stoppingTheTaskEndsTheRunAfterTheBatchUnderWay() throws Exception {
        Archiver a = archiver(3);
        RetentionTask task = new RetentionTask(a);
        ExecutorService runs = Executors.newSingleThreadExecutor();
        try (Connection holder = schema.connect(); Statement st = holder.createStatement()) {
            holder.setAutoCommit(false);
            // An executions batch adds to the archive's totals: holding their row holds the first
            // executions batch half way, after the events batches are done.
            st.execute("SELECT 1 FROM execution_archive_totals WHERE id = 1 FOR UPDATE");
            long holderPid;
            try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                holderPid = rs.getLong(1);
            }
            Future<Archiver.Report> run = runs.submit(a::run);
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (longOf("SELECT count(*) FROM pg_stat_activity WHERE " + holderPid + " = ANY(pg_blocking_pids(pid))") == 0) {
                assertThat(System.nanoTime()).as("the executions batch waits on the archive's totals")
                        .isLessThan(until);
                assertThat(run.isDone()).as("the run is still under way").isFalse();
                Thread.sleep(20);
            }
            task.stop();
            holder.rollback();

            Archiver.Report r = run.get(20, TimeUnit.SECONDS);
            assertThat(r.complete()).isFalse();
            assertThat(r.rows()).containsEntry(Archiver.Category.AGENT_EVENTS, 6L)
                    .as("the batch under way finishes, no other starts")
                    .containsEntry(Archiver.Category.EXECUTIONS, 3L)
                    .containsEntry(Archiver.Category.INBOX, 0L)
                    .containsEntry(Archiver.Category.TASKS, 0L);
        } finally {
            runs.shutdownNow();
        }
        assertThat(count("task_executions_archive")).isEqualTo(3);
        assertThat(longOf("SELECT executions FROM execution_archive_totals")).isEqualTo(3);
        assertThat(a.run().total()).as("a stopping daemon starts no more batches").isZero();
        assertThat(count("task_executions_archive")).isEqualTo(3);
    }

    @Test
    void aTableRetainedByItsOwnerCannotBeLeftOut() {
        RetentionPolicy inboxKept = new RetentionPolicy(90, 30, 7, 365, 365, 10, Duration.ofMinutes(1));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Archiver(inboxKept, new Metrics(registry),
                List.of(new EventRetention(jdbc), new ExecutionRetention(jdbc), new TaskRetention(jdbc))))
                .hasMessageContaining("retention of inbox needs its table's owner");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Archiver(inboxKept, new Metrics(registry),
                List.of(new EventRetention(jdbc), new InboxStore(jdbc), new TaskRetention(jdbc))))
                .hasMessageContaining("retention of executions needs its table's owner");
        RetentionPolicy allForEver = new RetentionPolicy(0, 0, 0, 0, 0, 10, Duration.ofMinutes(1));
        assertThat(new Archiver(allForEver, new Metrics(registry), List.of()).preview().rows())
                .containsEntry(Archiver.Category.INBOX, 0L).containsEntry(Archiver.Category.TASKS, 0L)
                .containsEntry(Archiver.Category.EXECUTIONS, 0L).containsEntry(Archiver.Category.AGENT_EVENTS, 0L);
    }

    @Test
    void theDaemonsArchiverReachesEveryTableThroughItsOwner() {
        try (TestApp app = TestApp.start(TestApp.config(schema.database(), URI.create("http://127.0.0.1:1")),
                Map.of("aegis.sync.enabled", false, "aegis.webhooks.enabled", false, "aegis.jobs.enabled", false,
                        "aegis.dispatch.enabled", false))) {
            assertThat(app.context().getBean(Archiver.class).preview().rows())
                    .containsEntry(Archiver.Category.AGENT_EVENTS, 6L).containsEntry(Archiver.Category.EXECUTIONS, 10L)
                    .containsEntry(Archiver.Category.INBOX, 3L).containsEntry(Archiver.Category.TASKS, 1L);
        }
    }

    @Test
    void archiveHasEveryColumnOfTheLiveTable() {
        List<String> live = new ExecutionRetention(jdbc).executionColumns();
        assertThat(live).contains("\"id\"", "\"cost_usd\"", "\"finished_at\"");
    }

    @Test
    void aLiveColumnTheArchiveLacksStopsArchivalBeforeAnyRowMoves() throws Exception {
        sql("ALTER TABLE task_executions ADD COLUMN drifted text");
        try {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> archiver(3).run())
                    .hasMessageContaining("task_executions_archive lacks column(s) [\"drifted\"]");
            assertThat(count("task_executions_archive")).isZero();
            assertThat(count("task_executions")).isEqualTo(14);
        } finally {
            sql("ALTER TABLE task_executions DROP COLUMN drifted");
        }
    }

    private static void sql(String sql) throws Exception {
        schema.execute(sql);
    }

    private static long count(String table) throws Exception {
        return longOf("SELECT count(*) FROM " + table);
    }

    private static long longOf(String sql) throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> rows(String sql) throws Exception {
        return schema.strings(sql);
    }
}
