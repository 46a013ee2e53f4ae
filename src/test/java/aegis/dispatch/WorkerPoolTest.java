package aegis.dispatch;

import aegis.config.ProjectSettings;
import java.util.ArrayList;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
    private TestDatabase.Schema schema;

    @BeforeEach
    void setUp() {
        schema = TestDatabase.freshSchema("workerpool");
    }

    @AfterEach
    void tearDown() {
        schema.drop();
    }

    private List<Long> enqueue(PoolHarness h, int n) throws Exception {
        try (Connection c = h.ds.getConnection()) {
            long project = QueueFixtures.project(c, "200");
            List<Long> tasks = QueueFixtures.tasks(c, project, "t", n, "bot");
            return tasks.stream().map(t -> h.store.enqueue(QueueFixtures.pending(t, 0, "echo")).orElseThrow()).toList();
        }
    }

    private static long scalar(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void awaitCount(Connection c, String sql, long expected, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        while (scalar(c, sql) != expected && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertThat(scalar(c, sql)).as(sql).isEqualTo(expected);
    }

    @Test
    void twoInstancesOnOneDatabaseRunEveryExecutionOnce() throws Exception {
        Map<Long, AtomicInteger> answers = new ConcurrentHashMap<>();
        try (PoolHarness a = new PoolHarness(schema, "inst-a", 4, Duration.ZERO, answers);
             PoolHarness b = new PoolHarness(schema, "inst-b", 4, Duration.ZERO, answers)) {
            a.start();
            b.start();
            List<Long> ids = enqueue(a, 300);
            try (Connection c = a.ds.getConnection()) {
                awaitCount(c, "SELECT count(*) FROM task_executions WHERE status = 'completed'", 300, Duration.ofSeconds(60));
                assertThat(answers.keySet()).containsExactlyInAnyOrderElementsOf(ids);
                assertThat(answers.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
                assertThat(scalar(c, "SELECT count(*) FROM agent_events WHERE event_type = 'started'")).isEqualTo(300);
                assertThat(scalar(c, "SELECT max(attempt) FROM task_executions")).isEqualTo(1);
                assertThat(scalar(c, "SELECT sum(tasks_completed) FROM agents")).isEqualTo(300);
                assertThat(scalar(c, "SELECT count(DISTINCT instance_id) FROM agents WHERE tasks_completed > 0"))
                        .as("both instances took work").isEqualTo(2);
                assertThat(scalar(c, "SELECT count(*) FROM task_executions WHERE output_tokens = 0")).isZero();
                assertThat(scalar(c, "SELECT count(*) FROM task_executions WHERE agent_id IS NULL"))
                        .as("each execution names the worker that ran it").isZero();
                assertThat(scalar(c, """
                        SELECT count(*) FROM agents a
                         WHERE a.tasks_completed <> (SELECT count(*) FROM task_executions e WHERE e.agent_id = a.id)"""))
                        .as("each worker's count matches the executions that name it").isZero();
                assertThat(scalar(c, "SELECT sum(total_output_tokens) FROM agents"))
                        .as("the workers' rows add up what their executions used")
                        .isEqualTo(scalar(c, "SELECT sum(output_tokens) FROM task_executions"));
            }
        }
        try (Connection c = schema.connect()) {
            assertThat(scalar(c, "SELECT count(*) FROM agents WHERE status <> 'stopped'")).isZero();
        }
    }

    @Test
    void workWakesAnIdlePoolWithoutWaitingForThePoll() throws Exception {
        Map<Long, AtomicInteger> answers = new ConcurrentHashMap<>();
        try (PoolHarness other = new PoolHarness(schema, "enqueuer", 1, Duration.ZERO, answers);
             PoolHarness idle = new PoolHarness(schema, "idle", 2, Duration.ZERO, answers)) {
            idle.start();
            Thread.sleep(1500);
            // Enqueued through another instance's store: only NOTIFY can tell the idle pool.
            List<Long> ids = enqueue(other, 1);
            long t0 = System.nanoTime();
            while (answers.isEmpty() && System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos()) {
                Thread.sleep(5);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(answers).containsOnlyKeys(ids);
            // The backstop poll is 500 ms here; the wake-up must come well before it.
            assertThat(ms).isLessThan(400);
        }
    }

    /** A kind this instance knows but is not set up to run (as the command kind without its argv). */
    static final class NotHere implements aegis.agent.Agent {
        @Override
        public String kind() {
            return "command";
        }

        @Override
        public boolean available() {
            return false;
        }

        @Override
        public aegis.agent.AgentOutcome run(aegis.agent.AgentRequest request, aegis.agent.AgentContext context) {
            throw new AssertionError("work of a kind not set up here must be left to the instance that is");
        }
    }

    @Test
    void workOfAKnownKindNotSetUpHereIsLeftForAnotherInstance() throws Exception {
        Map<Long, AtomicInteger> answers = new ConcurrentHashMap<>();
        try (PoolHarness h = new PoolHarness(schema, PoolHarness.settings(Duration.ofSeconds(30), Duration.ofSeconds(10),
                2, "partial"), Map.of(aegis.agent.EchoAgent.KIND, new aegis.agent.EchoAgent(Duration.ZERO),
                "command", new NotHere()), new PoolHarness.CountingReporter(answers), answers,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
            long command;
            long echo;
            try (Connection c = h.ds.getConnection()) {
                List<Long> tasks = QueueFixtures.tasks(c, QueueFixtures.project(c, "210"), "k", 2, "bot");
                command = h.store.enqueue(QueueFixtures.pending(tasks.get(0), 0, "command")).orElseThrow();
                echo = h.store.enqueue(QueueFixtures.pending(tasks.get(1), 0, "echo")).orElseThrow();
            }
            h.start();
            try (Connection c = h.ds.getConnection()) {
                awaitCount(c, "SELECT count(*) FROM task_executions WHERE id = " + echo + " AND status = 'completed'",
                        1, Duration.ofSeconds(10));
                // Several backstop polls (500 ms each), each a chance for the foreign claim to take it.
                Thread.sleep(1500);
                assertThat(scalar(c, "SELECT count(*) FROM task_executions WHERE id = " + command
                        + " AND status = 'pending' AND attempt = 0")).as("left pending, unclaimed").isEqualTo(1);
            }
        }
    }

    /** A coding kind set up here, which runs without a worktree when its project has no repository. */
    static final class CodingHere implements aegis.agent.Agent {
        @Override
        public String kind() {
            return "command";
        }

        @Override
        public boolean worksInRepository() {
            return true;
        }

        @Override
        public aegis.agent.AgentOutcome run(aegis.agent.AgentRequest request, aegis.agent.AgentContext context) {
            return new aegis.agent.AgentOutcome.Done("coded", aegis.agent.Usage.NONE, null, null);
        }
    }

    @Test
    void codingWorkOfAProjectWhoseRepositoryIsNotHereIsLeftForAnInstanceThatHasIt() throws Exception {
        Map<Long, AtomicInteger> answers = new ConcurrentHashMap<>();
        ProjectSettings.All projects = new ProjectSettings.All(Map.of("310", new ProjectSettings("310",
                Optional.empty(), new ProjectSettings.DoneAction.Complete(), Optional.of("command"),
                new ProjectSettings.Repository(Optional.of("/nonexistent/aegis-repo-" + System.nanoTime()),
                        Optional.empty(), List.of(), false, List.of()), List.of())), Optional.empty(),
                Optional.of("command"));
        // One worker: after the first run, the next is claimed by the ending statement, which must
        // skip the repository-less project's work too, although it is first in line.
        try (PoolHarness h = new PoolHarness(schema, PoolHarness.settings(Duration.ofSeconds(30), Duration.ofSeconds(10),
                1, "coder"), Map.of("command", new CodingHere()), new PoolHarness.CountingReporter(answers), answers,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), projects)) {
            List<Long> elsewhere = new ArrayList<>();
            List<Long> here = new ArrayList<>();
            try (Connection c = h.ds.getConnection()) {
                for (long t : QueueFixtures.tasks(c, QueueFixtures.project(c, "310"), "away", 2, "bot")) {
                    elsewhere.add(h.store.enqueue(QueueFixtures.pending(t, 10, "command")).orElseThrow());
                }
                for (long t : QueueFixtures.tasks(c, QueueFixtures.project(c, "311"), "home", 3, "bot")) {
                    here.add(h.store.enqueue(QueueFixtures.pending(t, 0, "command")).orElseThrow());
                }
            }
            h.start();
            try (Connection c = h.ds.getConnection()) {
                awaitCount(c, "SELECT count(*) FROM task_executions WHERE status = 'completed'", 3, Duration.ofSeconds(10));
                Thread.sleep(1000);
                assertThat(answers).containsOnlyKeys(here);
                for (long id : elsewhere) {
                    assertThat(scalar(c, "SELECT count(*) FROM task_executions WHERE id = " + id
                            + " AND status = 'pending' AND attempt = 0")).as("left pending, unclaimed").isEqualTo(1);
                }
            }
        }
    }

    @Test
    void shutdownReleasesRunningExecutionsWithoutCountingTheAttempt() throws Exception {
        Map<Long, AtomicInteger> answers = new ConcurrentHashMap<>();
        List<Long> ids;
        try (PoolHarness slow = new PoolHarness(schema, "slow", 2, Duration.ofMinutes(10), answers)) {
            slow.start();
            ids = enqueue(slow, 2);
            try (Connection c = slow.ds.getConnection()) {
                awaitCount(c, "SELECT count(*) FROM task_executions WHERE status = 'running'", 2, Duration.ofSeconds(10));
            }
        }
        try (Connection c = schema.connect()) {
            assertThat(scalar(c, "SELECT count(*) FROM task_executions WHERE status = 'pending' AND attempt = 0 "
                    + "AND lease_owner IS NULL")).isEqualTo(2);
        }
        assertThat(answers).isEmpty();
        try (PoolHarness fast = new PoolHarness(schema, "fast", 2, Duration.ZERO, answers)) {
            fast.start();
            try (Connection c = fast.ds.getConnection()) {
                awaitCount(c, "SELECT count(*) FROM task_executions WHERE status = 'completed' AND attempt = 1", 2,
                        Duration.ofSeconds(10));
            }
        }
        assertThat(answers).containsOnlyKeys(ids);
    }
}
