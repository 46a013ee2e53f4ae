package aegis.dispatch;

import aegis.agent.Usage;
import aegis.agent.EchoAgent;
import aegis.agent.AgentRequest;
import aegis.agent.AgentOutcome;
import aegis.agent.AgentContext;
import aegis.agent.Agent;
import aegis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.metrics.Metrics;
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

/** Real runs move the executions, tokens and cost counters of {@link Metrics}. */
class PoolMetricsTest {
    private TestDatabase.Schema schema;

    @BeforeEach
    void setUp() {
        schema = TestDatabase.freshSchema("poolmetrics");
    }

    @AfterEach
    void tearDown() {
        schema.drop();
    }

    /** Answers tasks named for a question with a question, others done; 100 in, 20 out, 0.25 USD a run. */
    static final class PricedAgent implements Agent {
        @Override
        public String kind() {
            return EchoAgent.KIND;
        }

        @Override
        public AgentOutcome run(AgentRequest request, AgentContext context) {
            Usage u = new Usage(100, 20, new BigDecimal("0.25"));
            return request.task().name().contains("question")
                    ? new AgentOutcome.Question("which one?", u, "q", 0)
                    : new AgentOutcome.Done("ok", u, "ok", 0);
        }
    }

    @Test
    void finishedRunsAreCountedByOutcomeWithTheirTokensAndCost() throws Exception {
        Map<Long, AtomicInteger> answers = new ConcurrentHashMap<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PoolHarness h = new PoolHarness(schema, PoolHarness.settings(Duration.ofSeconds(30),
                Duration.ofSeconds(10), 2, "metrics"), Map.of(EchoAgent.KIND, new PricedAgent()),
                new PoolHarness.CountingReporter(answers), answers, registry)) {
            h.start();
            try (Connection c = h.ds.getConnection()) {
                long project = QueueFixtures.project(c, "600");
                List<Long> done = QueueFixtures.tasks(c, project, "done-", 2, "bot");
                List<Long> asks = QueueFixtures.tasks(c, project, "question-", 1, "bot");
                for (long t : List.of(done.get(0), done.get(1), asks.get(0))) {
                    h.store.enqueue(QueueFixtures.pending(t, 0, "echo")).orElseThrow();
                }
                Eventually.await("three answers", Duration.ofSeconds(20), () -> "3".equals(LeaseOwnershipTest
                        .query(c, "SELECT count(*) FROM task_executions WHERE status = 'completed'")));
            }
            // The counter follows the commit: give the last worker a moment past it.
            Eventually.await("the counters", Duration.ofSeconds(5), () ->
                    count(registry, "done") + count(registry, "question") == 3);
        }
        assertThat(count(registry, "done")).isEqualTo(2);
        assertThat(count(registry, "question")).isEqualTo(1);
        assertThat(registry.find(Metrics.EXECUTION_DURATION).tag("outcome", "done").timer().count()).isEqualTo(2);
        assertThat(registry.find(Metrics.TOKENS).tag("direction", "input").counter().count()).isEqualTo(300);
        assertThat(registry.find(Metrics.TOKENS).tag("direction", "output").counter().count()).isEqualTo(60);
        assertThat(registry.find(Metrics.COST_USD).counter().count()).isEqualTo(0.75);
        assertThat(registry.find(Metrics.EXECUTIONS).tagKeys("status").counters())
                .as("one name, one set of tag keys").isEmpty();
    }

    private static double count(SimpleMeterRegistry registry, String outcome) {
        var c = registry.find(Metrics.EXECUTIONS).tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }
}
