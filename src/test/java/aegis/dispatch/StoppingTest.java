package aegis.dispatch;

import static aegis.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.agent.Agent;
import aegis.agent.AgentContext;
import aegis.agent.AgentOutcome;
import aegis.agent.AgentRequest;
import aegis.agent.EchoAgent;
import aegis.agent.Usage;
import aegis.config.ConfigException;
import aegis.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Leases while the daemon stops and while the database pool is exhausted: a run keeps its
 * lease until its agent has really stopped, interruptions are counted up to a limit, and
 * renewals never wait for a pooled connection.
 */
class StoppingTest {
    private TestDatabase.Schema schema;

    @BeforeEach
    void setUp() {
        schema = TestDatabase.freshSchema("stopping");
    }

    @AfterEach
    void tearDown() {
        schema.drop();
    }

    /** Works until interrupted, then takes {@code stopping} to stop, as a process group being killed does. */
    static final class SlowToStop implements Agent {
        final Duration stopping;
        final Duration work;
        final AtomicInteger interrupted = new AtomicInteger();
        final AtomicLong stoppedAt = new AtomicLong();

        SlowToStop(Duration work, Duration stopping) {
            this.work = work;
            this.stopping = stopping;
        }

        @Override
        public String kind() {
            return EchoAgent.KIND;
        }

        @Override
        public Duration stopWithin() {
            return stopping.isZero() ? Duration.ZERO : stopping.plusSeconds(2);
        }

        @Override
        public Duration stopGrace() {
            return stopping;
        }

        @Override
        public AgentOutcome run(AgentRequest request, AgentContext context) throws InterruptedException {
            try {
                Thread.sleep(work.toMillis());
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                long until = System.nanoTime() + stopping.toNanos();
                while (System.nanoTime() < until) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException again) {
                        // still dying: the group is not gone yet
                    }
                }
                stoppedAt.set(System.nanoTime());
                throw e;
            }
            return new AgentOutcome.Done("done", new Usage(1, 1, BigDecimal.ZERO), "done", 0);
        }
    }

    private static DispatchSettings settings(Duration lease, Duration renew, int maxInterruptions, String id) {
        return new DispatchSettings(lease, renew, 3, Duration.ofSeconds(1), Duration.ofSeconds(10),
                Duration.ofMillis(200), Duration.ZERO, maxInterruptions, Duration.ofMinutes(5), 1, Map.of(),
                Optional.empty(), id);
    }

    private static long enqueue(PoolHarness h) throws Exception {
        try (Connection c = h.ds.getConnection()) {
            long task = QueueFixtures.tasks(c, QueueFixtures.project(c, "600"), "t", 1, "bot").get(0);
            return h.store.enqueue(QueueFixtures.pending(task, 0, "echo")).orElseThrow();
        }
    }

    private static String status(Connection c) {
        return LeaseOwnershipTest.query(c, "SELECT status FROM task_executions");
    }

    @Test
    void aStoppingRunKeepsItsLeaseUntilItsAgentHasStopped() throws Exception {
        SlowToStop agent = new SlowToStop(Duration.ofMinutes(1), Duration.ofSeconds(7));
        PoolHarness h = new PoolHarness(schema, settings(Duration.ofSeconds(30), Duration.ofSeconds(10), 5, "stopper"),
                Map.of(EchoAgent.KIND, agent), new PoolHarness.CountingReporter(), new ConcurrentHashMap<>(),
                new SimpleMeterRegistry());
        AtomicLong handedBackAt = new AtomicLong();
        AtomicLong agentStoppedAtThen = new AtomicLong(-1);
        try (Connection c = schema.connect()) {
            h.start();
            enqueue(h);
            await("the run", Duration.ofSeconds(10), () -> "running".equals(status(c)));
            Thread watcher = new Thread(() -> {
                while (handedBackAt.get() == 0) {
                    if (!"running".equals(status(c))) {
                        agentStoppedAtThen.set(agent.stoppedAt.get());
                        handedBackAt.set(System.nanoTime());
                    }
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            watcher.start();
            h.close();
            watcher.join(20_000);
            assertThat(agent.interrupted.get()).isEqualTo(1);
            assertThat(handedBackAt.get()).as("the lease went back").isNotZero();
            assertThat(agentStoppedAtThen.get()).as("the lease goes back only after the agent has stopped")
                    .isPositive().isLessThan(handedBackAt.get());
            assertThat(status(c)).isEqualTo("pending");
        }
    }

    @Test
    void anAgentSlowerToStopThanTheRenewalIntervalIsRefusedAtStart() {
        SlowToStop agent = new SlowToStop(Duration.ofMinutes(1), Duration.ofSeconds(10));
        assertThatThrownBy(() -> new PoolHarness(schema, settings(Duration.ofSeconds(30), Duration.ofSeconds(10), 5,
                "refused"), Map.of(EchoAgent.KIND, agent), new PoolHarness.CountingReporter(),
                new ConcurrentHashMap<>(), new SimpleMeterRegistry()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("agents.echo.kill_grace").hasMessageContaining("AEGIS_DISPATCH_RENEW_SECONDS");
    }

    /** Records each answer's kind and text. */
    record Said(List<String> answers) implements ResultReporter {
        @Override
        public String answer(Execution e, Answer answer, boolean lookFirst) {
            answers.add(answer instanceof Answer.Failed f ? "failed: " + f.reason() : answer.toString());
            return "story-" + e.id();
        }

        @Override
        public void retrying(Execution e, String reason, Instant at) {
        }
    }

    @Test
    void aRunInterruptedByRestartsUpToTheLimitFailsAndThePersonIsTold() throws Exception {
        List<String> said = new CopyOnWriteArrayList<>();
        DispatchSettings s = settings(Duration.ofSeconds(30), Duration.ofSeconds(10), 2, "restarted");
        try (Connection c = schema.connect()) {
            for (int restart = 1; restart <= 2; restart++) {
                try (PoolHarness h = new PoolHarness(schema, s, Map.of(EchoAgent.KIND,
                        new SlowToStop(Duration.ofMinutes(1), Duration.ZERO)), new Said(said),
                        new ConcurrentHashMap<>(), new SimpleMeterRegistry())) {
                    if (restart == 1) {
                        enqueue(h);
                    }
                    h.start();
                    await("run " + restart, Duration.ofSeconds(10), () -> "running".equals(status(c)));
                }
                assertThat(status(c)).isEqualTo("pending");
            }
            try (PoolHarness h = new PoolHarness(schema, s, Map.of(EchoAgent.KIND, new EchoAgent(Duration.ZERO)),
                    new Said(said), new ConcurrentHashMap<>(), new SimpleMeterRegistry())) {
                h.start();
                await("the failure told", Duration.ofSeconds(10), () -> "failed".equals(status(c)));
            }
        }
        assertThat(said).containsExactly("failed: the run was interrupted 2 times by the daemon stopping");
    }

    @Test
    void leasesAreRenewedWhileThePoolHasNoFreeConnection() throws Exception {
        SlowToStop agent = new SlowToStop(Duration.ofSeconds(6), Duration.ZERO);
        try (PoolHarness h = new PoolHarness(schema, settings(Duration.ofSeconds(3), Duration.ofSeconds(1), 5, "busy"),
                Map.of(EchoAgent.KIND, agent), new PoolHarness.CountingReporter(), new ConcurrentHashMap<>(),
                new SimpleMeterRegistry());
             Connection c = schema.connect()) {
            h.start();
            enqueue(h);
            await("the run", Duration.ofSeconds(10), () -> "running".equals(status(c)));
            List<Connection> held = new ArrayList<>();
            try {
                // Every pooled connection taken (busy workers, a slow query): renewals must go on.
                for (int i = 0; i < h.ds.getMaximumPoolSize(); i++) {
                    held.add(h.ds.getConnection());
                }
                Thread.sleep(4000);
            } finally {
                for (Connection held1 : held) {
                    held1.close();
                }
            }
            await("the run to finish", Duration.ofSeconds(15), () -> "completed".equals(status(c)));
            assertThat(agent.interrupted.get()).as("the run kept its lease").isZero();
        }
    }
}
