package aegis.dispatch;

import aegis.agent.Usage;
import aegis.agent.EchoAgent;
import aegis.agent.AgentRequest;
import aegis.agent.AgentOutcome;
import aegis.agent.AgentContext;
import aegis.agent.Agent;
import static aegis.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One lease per claim: a run whose lease this instance can no longer vouch for stops, even
 * when the same instance claims the execution again.
 */
class LeaseOwnershipTest {
    private TestDatabase.Schema schema;

    @BeforeEach
    void setUp() {
        schema = TestDatabase.freshSchema("leaseowner");
    }

    @AfterEach
    void tearDown() {
        schema.drop();
    }

    /** The first run blocks until released (or interrupted); later runs answer at once. */
    static final class FirstRunBlocks implements Agent {
        final AtomicInteger runs = new AtomicInteger();
        final AtomicInteger interrupted = new AtomicInteger();
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public String kind() {
            return EchoAgent.KIND;
        }

        @Override
        public AgentOutcome run(AgentRequest request, AgentContext context) throws InterruptedException {
            if (runs.incrementAndGet() == 1) {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                    throw e;
                }
            }
            return new AgentOutcome.Done("ok", new Usage(10, 5, BigDecimal.ZERO), "ok", 0);
        }
    }

    private static long enqueue(PoolHarness h) throws Exception {
        try (Connection c = h.ds.getConnection()) {
            long project = QueueFixtures.project(c, "300");
            long task = QueueFixtures.tasks(c, project, "t", 1, "bot").get(0);
            return h.store.enqueue(QueueFixtures.pending(task, 0, "echo")).orElseThrow();
        }
    }

    static String scalar(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aRescuedExecutionClaimedAgainByTheSameInstanceStopsTheFirstRun() throws Exception {
        Map<Long, AtomicInteger> answers = new ConcurrentHashMap<>();
        FirstRunBlocks agent = new FirstRunBlocks();
        try (PoolHarness h = new PoolHarness(schema, PoolHarness.settings(Duration.ofSeconds(30),
                Duration.ofSeconds(1), 2, "solo"), Map.of(EchoAgent.KIND, agent),
                new PoolHarness.CountingReporter(answers), answers, new SimpleMeterRegistry())) {
            h.start();
            long id = enqueue(h);
            await("the first run", Duration.ofSeconds(10), () -> agent.runs.get() == 1);
            // The database was out of reach for longer than the lease: the lease expired and was rescued.
            try (Connection c = h.ds.getConnection(); Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE task_executions SET lease_until = now() - interval '1 second'");
            }
            assertThat(h.store.rescueExpired(new ExponentialBackoff(Duration.ZERO, Duration.ZERO), 10))
                    .extracting(r -> r.id()).containsExactly(id);
            await("the second run", Duration.ofSeconds(10), () -> agent.runs.get() == 2);
            await("the first run to be stopped", Duration.ofSeconds(5), () -> agent.interrupted.get() == 1);
            try (Connection c = h.ds.getConnection()) {
                await("the execution to complete", Duration.ofSeconds(10),
                        () -> answers.containsKey(id) && "completed".equals(query(c, "SELECT status FROM task_executions")));
                agent.release.countDown();
                Thread.sleep(500);
                assertThat(answers.get(id).get()).isEqualTo(1);
                assertThat(scalar(c, "SELECT attempt FROM task_executions")).isEqualTo("2");
            }
        }
    }

    @Test
    void aRunWhoseLeaseCannotBeRenewedStopsBeforeTheLeaseRunsOut() throws Exception {
        Map<Long, AtomicInteger> answers = new ConcurrentHashMap<>();
        FirstRunBlocks agent = new FirstRunBlocks();
        try (PoolHarness h = new PoolHarness(schema, PoolHarness.settings(Duration.ofSeconds(3),
                Duration.ofSeconds(1), 2, "starved"), Map.of(EchoAgent.KIND, agent),
                new PoolHarness.CountingReporter(answers), answers, new SimpleMeterRegistry())) {
            h.start();
            long id = enqueue(h);
            await("the first run", Duration.ofSeconds(10), () -> agent.runs.get() == 1);
            long stoppedAfterMs;
            // The row is locked: every renewal waits, as when the database is starved.
            try (Connection lock = h.ds.getConnection()) {
                lock.setAutoCommit(false);
                try (Statement st = lock.createStatement()) {
                    st.executeQuery("SELECT id FROM task_executions FOR UPDATE").close();
                }
                long t0 = System.nanoTime();
                await("the unrenewed run to be stopped", Duration.ofSeconds(6), () -> agent.interrupted.get() == 1);
                stoppedAfterMs = (System.nanoTime() - t0) / 1_000_000;
                lock.commit();
            }
            assertThat(stoppedAfterMs).as("stopped before the 3 s lease ran out").isLessThan(3000);
            // Its lease runs out; a rescue hands it to a worker that can renew.
            try (Connection c = h.ds.getConnection()) {
                await("the lease to run out", Duration.ofSeconds(10), () -> !h.store
                        .rescueExpired(new ExponentialBackoff(Duration.ZERO, Duration.ZERO), 10).isEmpty());
                await("the execution to complete", Duration.ofSeconds(10),
                        () -> "completed".equals(query(c, "SELECT status FROM task_executions")));
                assertThat(answers.get(id).get()).isEqualTo(1);
                assertThat(agent.runs.get()).isEqualTo(2);
            }
        }
    }

    static String query(Connection c, String sql) {
        try {
            return scalar(c, sql);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
