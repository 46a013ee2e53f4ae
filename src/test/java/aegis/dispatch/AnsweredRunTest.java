package aegis.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.agent.EchoAgent;
import aegis.testing.Eventually;
import aegis.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The database drops right after the answer was delivered in Asana (the comment posted, the
 * task completed by the bot) and before the execution was marked finished. The bot's own
 * completion, seen later by sync as "completed in Asana", must not be taken for a person
 * withdrawing the task: the execution is rescued, finds its answer, and ends as completed
 * with that answer's story.
 */
class AnsweredRunTest {
    private TestDatabase.Schema schema;

    @BeforeEach
    void setUp() {
        schema = TestDatabase.freshSchema("answered");
    }

    @AfterEach
    void tearDown() {
        schema.drop();
    }

    /** Delivers each answer once (a repeated one, asked with lookFirst, finds it), then takes the database down. */
    record DeliveringReporter(List<Boolean> lookFirsts, AtomicReference<Runnable> afterFirst) implements ResultReporter {
        @Override
        public String answer(Execution e, Answer answer, boolean lookFirst) {
            lookFirsts.add(lookFirst);
            Runnable after = afterFirst.getAndSet(null);
            if (after != null) {
                after.run();
            }
            return "story-" + e.id();
        }

        @Override
        public void retrying(Execution e, String reason, Instant at) {
        }
    }

    @Test
    void anAnswerDeliveredBeforeTheDatabaseDroppedIsRecordedAsCompleted() throws Exception {
        List<Boolean> lookFirsts = new CopyOnWriteArrayList<>();
        AtomicReference<PoolHarness> harness = new AtomicReference<>();
        AtomicReference<Runnable> dropDatabase = new AtomicReference<>(() -> harness.get().fault =
                () -> new SQLTransientConnectionException("the database is down"));
        DispatchSettings s = PoolHarness.settings(Duration.ofSeconds(2), Duration.ofMillis(500), 1, "answered");
        try (PoolHarness h = new PoolHarness(schema, s, Map.of(EchoAgent.KIND, new EchoAgent(Duration.ZERO)),
                new DeliveringReporter(lookFirsts, dropDatabase), new ConcurrentHashMap<>(),
                new SimpleMeterRegistry())) {
            harness.set(h);
            long task;
            long id;
            try (Connection c = h.ds.getConnection()) {
                task = QueueFixtures.tasks(c, QueueFixtures.project(c, "500"), "t", 1, "bot").get(0);
                id = h.store.enqueue(QueueFixtures.pending(task, 0, "echo")).orElseThrow();
            }
            h.start();
            Eventually.await("the answer delivered", Duration.ofSeconds(20), () -> lookFirsts.size() == 1);
            Thread.sleep(500);
            h.fault = null;
            try (Connection c = h.ds.getConnection()) {
                assertThat(LeaseOwnershipTest.query(c, "SELECT status || '/' || outcome FROM task_executions"))
                        .as("the outcome was recorded before the answer; the ending was lost with the database")
                        .isEqualTo("running/done");
            }
            // Sync sees the task completed in Asana (by the bot) and withdraws it, as it would for a person.
            assertThat(h.store.cancelForTask(task, "the task was completed in Asana")).isEmpty();
            Eventually.await("the lease to expire", Duration.ofSeconds(10),
                    () -> !h.store.rescueExpired(new ExponentialBackoff(Duration.ZERO, Duration.ZERO), 10).isEmpty());
            try (Connection c = h.ds.getConnection()) {
                Eventually.await("the rescued execution to end", Duration.ofSeconds(20), () -> !"running".equals(
                        LeaseOwnershipTest.query(c, "SELECT status FROM task_executions"))
                        && !"pending".equals(LeaseOwnershipTest.query(c, "SELECT status FROM task_executions")));
                assertThat(LeaseOwnershipTest.query(c,
                        "SELECT status || '/' || outcome || '/' || answer_story_gid FROM task_executions"))
                        .isEqualTo("completed/done/story-" + id);
            }
            assertThat(lookFirsts).as("the second report looked for the answer first").containsExactly(false, true);
        }
    }
}
