package aegis.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.db.DedicatedConnection;
import aegis.db.StatementPart;
import aegis.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ExecutionStoreTest {
    private static TestDatabase.Schema schema;
    private static HikariDataSource ds;
    private static ExecutionStore store;
    private static long project;
    private static int batch;

    @BeforeAll
    static void setUp() throws Exception {
        schema = TestDatabase.freshSchema("execstore");
        ds = QueueFixtures.pool(schema, 8);
        store = new ExecutionStore(QueueFixtures.jdbc(ds));
        try (Connection c = ds.getConnection()) {
            project = QueueFixtures.project(c, "100");
        }
    }

    @AfterAll
    static void tearDown() {
        ds.close();
        schema.drop();
    }

    @BeforeEach
    void emptyQueue() throws Exception {
        try (Connection c = ds.getConnection(); var st = c.createStatement()) {
            st.execute("DELETE FROM task_executions");
        }
    }

    private List<Long> tasks(int n) throws Exception {
        try (Connection c = ds.getConnection()) {
            return QueueFixtures.tasks(c, project, "b" + (batch++) + "-", n, "bot");
        }
    }

    @Test
    void aTaskHasAtMostOneOpenExecution() throws Exception {
        long task = tasks(1).get(0);
        assertThat(store.enqueue(QueueFixtures.pending(task, 0, "echo"))).isPresent();
        assertThat(store.enqueue(QueueFixtures.pending(task, 0, "echo"))).isEmpty();
        List<Execution> claimed = store.claim("a", "echo", List.of(), 10, Duration.ofMinutes(1));
        assertThat(claimed).hasSize(1);
        assertThat(store.enqueue(QueueFixtures.pending(task, 0, "echo"))).as("still open while running").isEmpty();
        long id = claimed.get(0).id();
        String token = claimed.get(0).leaseOwner();
        assertThat(token).startsWith("a:");
        assertThat(store.recordOutcome(id, "a", "done", "ok", null, "echo", acc(), 0))
                .as("the instance id alone is not the lease").isFalse();
        assertThat(store.recordOutcome(id, token, "done", "ok", null, "echo", acc(), 0)).isTrue();
        assertThat(store.finish(id, token, "completed", "story1")).isTrue();
        assertThat(store.enqueue(QueueFixtures.pending(task, 0, "echo"))).as("finished: a follow-up may start").isPresent();
    }

    @Test
    void anEndingClaimsTheNextExecutionAndRunsItsPartsInOneStatement() throws Exception {
        List<Long> ts = tasks(2);
        long first = store.enqueue(QueueFixtures.pending(ts.get(0), 5, "echo")).orElseThrow();
        long second = store.enqueue(QueueFixtures.pending(ts.get(1), 1, "echo")).orElseThrow();
        Execution running = store.claim("a", "echo", List.of(), 1, Duration.ofMinutes(1)).get(0);
        assertThat(running.id()).isEqualTo(first);
        assertThat(store.recordOutcome(first, running.leaseOwner(), "done", "ok", null, "echo", acc(), 0)).isTrue();
        // A part that records what it saw of done and claimed, to show it ran in the same statement.
        StatementPart seen = new StatementPart() {
            @Override
            public String cte() {
                return """
                        seen AS (
                          UPDATE tasks SET name = (SELECT count(*) FROM done)::text || '/'
                                 || coalesce((SELECT id FROM claimed)::text, 'none')
                           WHERE id = ?)""";
            }

            @Override
            public int bind(PreparedStatement ps, int i) throws java.sql.SQLException {
                ps.setLong(i, ts.get(0));
                return i + 1;
            }
        };
        // Wrong token: nothing ends, but the next execution is still claimed (the slot is free either way).
        ExecutionStore.Ending lost = store.finish(first, "a:wrong", "completed", "s",
                new ExecutionStore.ClaimNext("a", ClaimScope.all("echo"), null, Duration.ofMinutes(1)), StatementPart.NONE);
        assertThat(lost.ended()).isFalse();
        assertThat(lost.next()).map(Execution::id).contains(second);
        assertThat(store.release(second, lost.next().get().leaseOwner(), 5)).isTrue();

        ExecutionStore.Ending ended = store.finish(first, running.leaseOwner(), "completed", "story",
                new ExecutionStore.ClaimNext("a", ClaimScope.all("echo"), null, Duration.ofMinutes(1)), seen);
        assertThat(ended.ended()).isTrue();
        Execution next = ended.next().orElseThrow();
        assertThat(next.id()).isEqualTo(second);
        assertThat(next.leaseOwner()).startsWith("a:").isNotEqualTo(running.leaseOwner());
        assertThat(next.taskGid()).isNotNull();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT e.status, t.name, e.answer_story_gid FROM task_executions e JOIN tasks t ON t.id = e.task_id"
                        + " WHERE e.id = ?")) {
            ps.setLong(1, first);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("completed");
                assertThat(rs.getString(2)).isEqualTo("1/" + second);
                assertThat(rs.getString(3)).isEqualTo("story");
            }
        }
        // Nothing left to claim, and none asked for: no next.
        assertThat(store.finish(second, next.leaseOwner(), "completed", "s2", null, StatementPart.NONE).next())
                .isEmpty();
    }

    @Test
    void twoClaimersNeverGetTheSameExecution() throws Exception {
        List<Long> ts = tasks(400);
        for (long t : ts) {
            store.enqueue(QueueFixtures.pending(t, 0, "echo"));
        }
        ExecutionStore other = new ExecutionStore(QueueFixtures.jdbc(ds));
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<List<Long>>> results = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ExecutionStore s = i % 2 == 0 ? store : other;
            String owner = "claimer-" + i;
            results.add(pool.submit((Callable<List<Long>>) () -> {
                go.await();
                List<Long> mine = new ArrayList<>();
                while (true) {
                    List<Execution> got = s.claim(owner, "echo", List.of(), 7, Duration.ofMinutes(1));
                    if (got.isEmpty()) {
                        return mine;
                    }
                    got.forEach(e -> mine.add(e.id()));
                }
            }));
        }
        go.countDown();
        List<Long> all = new ArrayList<>();
        for (var f : results) {
            all.addAll(f.get());
        }
        pool.shutdown();
        assertThat(all).hasSize(400);
        assertThat(new HashSet<>(all)).hasSize(400);
        for (var f : results) {
            assertThat(f.get()).as("each claimer got some work").isNotEmpty();
        }
    }

    @Test
    void higherPriorityIsClaimedFirstThenOlder() throws Exception {
        List<Long> ts = tasks(4);
        long low = store.enqueue(QueueFixtures.pending(ts.get(0), 5, "echo")).orElseThrow();
        long high = store.enqueue(QueueFixtures.pending(ts.get(1), 100, "echo")).orElseThrow();
        long mid1 = store.enqueue(QueueFixtures.pending(ts.get(2), 50, "echo")).orElseThrow();
        long mid2 = store.enqueue(QueueFixtures.pending(ts.get(3), 50, "echo")).orElseThrow();
        List<Long> order = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            order.add(store.claim("a", "echo", List.of(), 1, Duration.ofMinutes(1)).get(0).id());
        }
        assertThat(order).containsExactly(high, mid1, mid2, low);
    }

    @Test
    void claimingRespectsAgentTypeAndNotBefore() throws Exception {
        List<Long> ts = tasks(3);
        long echo = store.enqueue(QueueFixtures.pending(ts.get(0), 0, "echo")).orElseThrow();
        long cmd = store.enqueue(QueueFixtures.pending(ts.get(1), 0, "command")).orElseThrow();
        long later = store.enqueue(QueueFixtures.pending(ts.get(2), 0, "echo")).orElseThrow();
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE task_executions SET not_before = now() + interval '1 hour' WHERE id = ?")) {
            ps.setLong(1, later);
            ps.executeUpdate();
        }
        assertThat(store.claim("a", "echo", List.of(), 10, Duration.ofMinutes(1))).extracting(Execution::id)
                .containsExactly(echo);
        assertThat(store.claim("a", null, List.of("echo"), 10, Duration.ofMinutes(1))).extracting(Execution::id)
                .as("unknown kinds").containsExactly(cmd);
    }

    @Test
    void anExpiredLeaseIsRescuedWithTheAttemptCountedThenFailedAtTheMaximum() throws Exception {
        long task = tasks(1).get(0);
        long id = store.enqueue(QueueFixtures.pending(task, 0, "echo")).orElseThrow();
        RetryPolicy immediate = new ExponentialBackoff(Duration.ZERO, Duration.ZERO);
        for (int attempt = 1; attempt <= 3; attempt++) {
            List<Execution> got = store.claim("dead-" + attempt, "echo", List.of(), 1, Duration.ofMillis(1));
            assertThat(got).hasSize(1);
            assertThat(got.get(0).attempt()).isEqualTo(attempt);
            assertThat(got.get(0).owedOutcome()).isNull();
            Thread.sleep(20);
            List<ExecutionStore.Rescued> rescued = store.rescueExpired(immediate, 10);
            assertThat(rescued).extracting(ExecutionStore.Rescued::id).containsExactly(id);
            assertThat(rescued.get(0).becomes()).isEqualTo(attempt < 3 ? "retry" : "failed");
        }
        // The third rescue made a failure owed to the person: the next claim reports it, no new attempt.
        List<Execution> got = store.claim("alive", "echo", List.of(), 1, Duration.ofMinutes(1));
        assertThat(got).hasSize(1);
        assertThat(got.get(0).owedOutcome()).isEqualTo("failed");
        assertThat(got.get(0).attempt()).isEqualTo(3);
        assertThat(store.finish(id, got.get(0).leaseOwner(), "failed", "s")).isTrue();
        try (Connection c = ds.getConnection()) {
            assertThat(QueueFixtures.status(c, id)).isEqualTo("failed");
        }
    }

    @Test
    void rescueBacksOffAndLeavesLiveLeasesAlone() throws Exception {
        List<Long> ts = tasks(2);
        long dead = store.enqueue(QueueFixtures.pending(ts.get(0), 10, "echo")).orElseThrow();
        long alive = store.enqueue(QueueFixtures.pending(ts.get(1), 0, "echo")).orElseThrow();
        store.claim("dead", "echo", List.of(), 1, Duration.ofMillis(1));
        store.claim("alive", "echo", List.of(), 1, Duration.ofMinutes(1));
        Thread.sleep(20);
        List<ExecutionStore.Rescued> rescued = store.rescueExpired(new ExponentialBackoff(Duration.ofMinutes(10),
                Duration.ofHours(1)), 10);
        assertThat(rescued).extracting(ExecutionStore.Rescued::id).containsExactly(dead);
        assertThat(store.claim("x", "echo", List.of(), 10, Duration.ofMinutes(1))).as("backing off").isEmpty();
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT not_before > now() + interval '9 minutes' FROM task_executions WHERE id = ?")) {
            ps.setLong(1, dead);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getBoolean(1)).isTrue();
            }
            assertThat(QueueFixtures.status(c, alive)).isEqualTo("running");
        }
    }

    @Test
    void anExecutionWithARecordedOutcomeIsNeverCancelled() throws Exception {
        long task = tasks(1).get(0);
        long id = store.enqueue(QueueFixtures.pending(task, 0, "echo")).orElseThrow();
        String w = store.claim("w", "echo", List.of(), 1, Duration.ofMinutes(1)).get(0).leaseOwner();
        assertThat(store.recordOutcome(id, w, "done", "the answer", null, "echo", acc(), 0)).isTrue();
        // The bot's own completion, seen by sync as the task completed: not a withdrawal.
        assertThat(store.cancelForTask(task, "completed")).isEmpty();
        assertThat(store.finish(id, w, "completed", "story-1")).isTrue();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT status, outcome, answer_story_gid FROM task_executions")) {
            rs.next();
            assertThat(rs.getString(1) + "/" + rs.getString(2) + "/" + rs.getString(3))
                    .isEqualTo("completed/done/story-1");
        }
    }

    @Test
    void cancellingStopsRenewalAndFreesTheTask() throws Exception {
        long task = tasks(1).get(0);
        long id = store.enqueue(QueueFixtures.pending(task, 0, "echo")).orElseThrow();
        String w = store.claim("w", "echo", List.of(), 1, Duration.ofMinutes(1)).get(0).leaseOwner();
        try (DedicatedConnection on = new DedicatedConnection(schema.database(), Duration.ofSeconds(10))) {
            assertThat(store.renewAll(on, Map.of(id, w), Duration.ofMinutes(1))).containsExactly(id);
            assertThat(store.renewAll(on, Map.of(id, "someone-else"), Duration.ofMinutes(1))).isEmpty();
            assertThat(store.cancelForTask(task, "unassigned")).containsExactly(id);
            assertThat(store.renewAll(on, Map.of(id, w), Duration.ofMinutes(1)))
                    .as("renewal tells the worker to stop").isEmpty();
        }
        assertThat(store.recordOutcome(id, w, "done", "late", null, "echo", acc(), 0)).isFalse();
        assertThat(store.enqueue(QueueFixtures.pending(task, 0, "echo"))).isPresent();
    }

    @Test
    void releaseOnShutdownDoesNotCountTheAttempt() throws Exception {
        long task = tasks(1).get(0);
        long id = store.enqueue(QueueFixtures.pending(task, 0, "echo")).orElseThrow();
        Execution first = store.claim("w", "echo", List.of(), 1, Duration.ofMinutes(1)).get(0);
        assertThat(first.attempt()).isEqualTo(1);
        assertThat(store.release(id, first.leaseOwner(), 5)).isTrue();
        assertThat(store.claim("w2", "echo", List.of(), 1, Duration.ofMinutes(1)).get(0).attempt()).isEqualTo(1);
    }

    @Test
    void interruptionsAreCountedAndTheLastOneRecordsAFailureToReport() throws Exception {
        long task = tasks(1).get(0);
        long id = store.enqueue(QueueFixtures.pending(task, 0, "echo")).orElseThrow();
        for (int i = 1; i <= 2; i++) {
            Execution e = store.claim("w", "echo", List.of(), 1, Duration.ofMinutes(1)).get(0);
            assertThat(e.owedOutcome()).as("interruption " + i + " is not a failure yet").isNull();
            assertThat(store.release(id, e.leaseOwner(), 3)).isTrue();
        }
        Execution third = store.claim("w", "echo", List.of(), 1, Duration.ofMinutes(1)).get(0);
        assertThat(third.attempt()).as("interruptions are not attempts").isEqualTo(1);
        assertThat(store.release(id, third.leaseOwner(), 3)).isTrue();
        Execution told = store.claim("w", "echo", List.of(), 1, Duration.ofMinutes(1)).get(0);
        assertThat(told.owedOutcome()).as("the limit reached: a failure owed to the person").isEqualTo("failed");
        assertThat(told.error()).isEqualTo("the run was interrupted 3 times by the daemon stopping");
    }

    @Test
    void retriesWaitAndAccountingAddsUp() throws Exception {
        long task = tasks(1).get(0);
        long id = store.enqueue(QueueFixtures.pending(task, 0, "echo")).orElseThrow();
        String w1 = store.claim("w", "echo", List.of(), 1, Duration.ofMinutes(1)).get(0).leaseOwner();
        assertThat(store.scheduleRetry(id, w1, Instant.now().minusSeconds(1), "flaky", acc())).isTrue();
        Execution again = store.claim("w", "echo", List.of(), 1, Duration.ofMinutes(1)).get(0);
        assertThat(again.attempt()).isEqualTo(2);
        assertThat(again.leaseOwner()).as("a new token per claim, same instance").isNotEqualTo(w1);
        assertThat(store.recordOutcome(id, w1, "done", "ok", null, "echo", acc(), 42))
                .as("the first claim's token guards nothing any more").isFalse();
        assertThat(store.recordOutcome(id, again.leaseOwner(), "done", "ok", null, "echo", acc(), 42)).isTrue();
        assertThat(store.finish(id, again.leaseOwner(), "completed", "story")).isTrue();
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     SELECT input_tokens, output_tokens, cost_usd, duration_ms, exit_code, output_excerpt,
                            (context->>'last_comment_id')::bigint, answer_story_gid, finished_at IS NOT NULL
                       FROM task_executions WHERE id = ?""")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(20);
                assertThat(rs.getLong(2)).isEqualTo(10);
                assertThat(rs.getBigDecimal(3)).isEqualByComparingTo("0.5");
                assertThat(rs.getLong(4)).isEqualTo(200);
                assertThat(rs.getInt(5)).isEqualTo(0);
                assertThat(rs.getString(6)).isEqualTo("out");
                assertThat(rs.getLong(7)).isEqualTo(42);
                assertThat(rs.getString(8)).isEqualTo("story");
                assertThat(rs.getBoolean(9)).isTrue();
            }
        }
    }

    private static Accounting acc() {
        return new Accounting(10, 5, new BigDecimal("0.25"), 100, null, null, 0, "out");
    }


}
