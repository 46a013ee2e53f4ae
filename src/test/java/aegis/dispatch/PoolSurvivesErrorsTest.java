package aegis.dispatch;

import aegis.agent.Usage;
import aegis.agent.EchoAgent;
import aegis.agent.AgentRequest;
import aegis.agent.AgentOutcome;
import aegis.agent.AgentContext;
import aegis.agent.Agent;
import aegis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An Error (not an exception) in the dispatcher or the lease ticker must not end either. */
class PoolSurvivesErrorsTest {
    private TestDatabase.Schema schema;

    @BeforeEach
    void setUp() {
        schema = TestDatabase.freshSchema("poolerrors");
    }

    @AfterEach
    void tearDown() {
        schema.drop();
    }

    /** Each run takes 4 s unless interrupted. */
    static final class SlowAgent implements Agent {
        final AtomicInteger interrupted = new AtomicInteger();
        final AtomicInteger started = new AtomicInteger();

        @Override
        public String kind() {
            return EchoAgent.KIND;
        }

        @Override
        public AgentOutcome run(AgentRequest request, AgentContext context) throws InterruptedException {
            started.incrementAndGet();
            try {
                Thread.sleep(4000);
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                throw e;
            }
            return new AgentOutcome.Done("ok", new Usage(1, 1, BigDecimal.ZERO), "ok", 0);
        }
    }

    @Test
    void theDispatcherAndTheRenewalsOutliveAnError() throws Exception {
        Map<Long, AtomicInteger> answers = new ConcurrentHashMap<>();
        SlowAgent agent = new SlowAgent();
        try (PoolHarness h = new PoolHarness(schema, PoolHarness.settings(Duration.ofSeconds(3),
                Duration.ofSeconds(1), 2, "errors"), Map.of(EchoAgent.KIND, agent),
                new PoolHarness.CountingReporter(answers), answers, new SimpleMeterRegistry())) {
            h.start();
            List<Long> tasks;
            try (Connection c = h.ds.getConnection()) {
                tasks = QueueFixtures.tasks(c, QueueFixtures.project(c, "500"), "t", 2, "bot");
            }
            long first = h.store.enqueue(QueueFixtures.pending(tasks.get(0), 0, "echo")).orElseThrow();
            Eventually.await("the first run", Duration.ofSeconds(10), () -> agent.started.get() == 1);
            h.fault = () -> new AssertionError("injected");
            Thread.sleep(1200);
            h.fault = null;
            Eventually.await("the first answer", Duration.ofSeconds(10), () -> answers.containsKey(first));
            assertThat(agent.interrupted.get()).as("its lease kept being renewed").isZero();
            long second = h.store.enqueue(QueueFixtures.pending(tasks.get(1), 0, "echo")).orElseThrow();
            Eventually.await("the second answer, claimed by the dispatcher", Duration.ofSeconds(10),
                    () -> answers.containsKey(second));
        }
    }
}
