package aegis.dispatch;

import aegis.agent.EchoAgent;
import aegis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.asana.AsanaException;
import aegis.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An answer that can never be posted ends its execution instead of being retried forever. */
class ReportFailureTest {
    private TestDatabase.Schema schema;

    @BeforeEach
    void setUp() {
        schema = TestDatabase.freshSchema("reportfail");
    }

    @AfterEach
    void tearDown() {
        schema.drop();
    }

    /** Fails each answer with what the execution's entry says; counts the tries. */
    record FailingReporter(Map<Long, Supplier<RuntimeException>> failures, Map<Long, AtomicInteger> tries)
            implements ResultReporter {
        @Override
        public String answer(Execution e, Answer answer, boolean lookFirst) {
            tries.computeIfAbsent(e.id(), k -> new AtomicInteger()).incrementAndGet();
            throw failures.get(e.id()).get();
        }

        @Override
        public void retrying(Execution e, String reason, Instant at) {
        }
    }

    @Test
    void permanentRefusalsEndTheExecutionAndTransientOnesAreBounded() throws Exception {
        Map<Long, Supplier<RuntimeException>> failures = new ConcurrentHashMap<>();
        Map<Long, AtomicInteger> tries = new ConcurrentHashMap<>();
        DispatchSettings s = new DispatchSettings(Duration.ofSeconds(30), Duration.ofSeconds(10), 3,
                Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(5), 5,
                Duration.ofMinutes(5), 3, Map.of(), Optional.empty(), "reporter");
        try (PoolHarness h = new PoolHarness(schema, s, Map.of(EchoAgent.KIND, new EchoAgent(Duration.ZERO)),
                new FailingReporter(failures, tries), new ConcurrentHashMap<>(), new SimpleMeterRegistry())) {
            long deleted;
            long forbidden;
            long flaky;
            try (Connection c = h.ds.getConnection()) {
                long project = QueueFixtures.project(c, "400");
                List<Long> ts = QueueFixtures.tasks(c, project, "t", 3, "bot");
                deleted = h.store.enqueue(QueueFixtures.pending(ts.get(0), 0, "echo")).orElseThrow();
                forbidden = h.store.enqueue(QueueFixtures.pending(ts.get(1), 0, "echo")).orElseThrow();
                flaky = h.store.enqueue(QueueFixtures.pending(ts.get(2), 0, "echo")).orElseThrow();
            }
            failures.put(deleted, () -> new AsanaException.NotFound("task not found"));
            failures.put(forbidden, () -> new AsanaException.Forbidden("not allowed to comment"));
            failures.put(flaky, () -> new AsanaException.ServerError(503, "service unavailable"));
            h.start();
            try (Connection c = h.ds.getConnection()) {
                Eventually.await("every execution to end", Duration.ofSeconds(30), () -> "3".equals(
                        LeaseOwnershipTest.query(c, "SELECT count(*) FROM task_executions WHERE finished_at IS NOT NULL")));
                assertThat(row(c, deleted)).as("the recorded outcome stays what the agent came to")
                        .isEqualTo("cancelled/done/true");
                assertThat(row(c, forbidden)).isEqualTo("failed/done/true");
                assertThat(row(c, flaky)).isEqualTo("failed/done/true");
                assertThat(LeaseOwnershipTest.query(c, "SELECT error FROM task_executions WHERE id = " + deleted))
                        .contains("deleted in Asana");
                assertThat(LeaseOwnershipTest.query(c, "SELECT error FROM task_executions WHERE id = " + forbidden))
                        .contains("Forbidden").contains("not allowed to comment");
                assertThat(LeaseOwnershipTest.query(c, "SELECT error FROM task_executions WHERE id = " + flaky))
                        .contains("after 11 tries");
                // The abandonment's event is recorded after the ending statement and written by the flusher.
                Eventually.await("an error event for each abandoned report", Duration.ofSeconds(10), () -> "3".equals(
                        LeaseOwnershipTest.query(c, "SELECT count(*) FROM agent_events WHERE event_type = 'error' "
                                + "AND message LIKE '%posted%'")));
                assertThat(LeaseOwnershipTest.query(c, "SELECT sum(tasks_failed) FROM agents")).isEqualTo("2");
            }
            assertThat(tries.get(deleted).get()).isEqualTo(1);
            assertThat(tries.get(forbidden).get()).isEqualTo(1);
            assertThat(tries.get(flaky).get()).isEqualTo(1 + Finisher.MAX_REPORT_DEFERRALS);
        }
    }

    private static String row(Connection c, long id) {
        return LeaseOwnershipTest.query(c, "SELECT status || '/' || outcome || '/' || (lease_owner IS NULL) "
                + "FROM task_executions WHERE id = " + id);
    }
}
