package aegis.sync;

import aegis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.AegisConfig;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimFaults;
import aegis.sim.SimOptions;
import aegis.metrics.Metrics;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * 5 projects × 400 tasks; a full sync; 500 random changes by people under faults (429s, 5xx,
 * dropped and duplicated webhooks). Once things settle (inbox drained, the events poll as the
 * backstop), the mirror equals the simulator field by field and every acknowledged delivery
 * is in the inbox, processed.
 */
class ConvergenceTest {
    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("convergence");
        sim = AsanaSimulator.start(0, SimOptions.of("demo").withProjects(5, 400)
                .withWebhookTiming(2, 50, 86_400, 28_800));
    }

    @AfterAll
    static void tearDown() {
        sim.close();
        schema.drop();
    }

    @Test
    void theMirrorConvergesDespiteFaults() throws Exception {
        AsanaSimulator.SimWorld world = sim.world();
        int port = Eventually.freePort();
        AegisConfig config = SimHarness.config(schema, sim, port, true);
        try (TestApp app = SimHarness.start(config, SimHarness.settings(Map.of()), true)) {
            Eventually.await("full sync and webhooks", Duration.ofSeconds(60), () -> SimHarness.count(schema,
                    "SELECT count(*) FROM webhook_subscriptions WHERE status = 'active'") == 5);
            assertThat(SimHarness.count(schema, "SELECT count(*) FROM tasks")).isEqualTo(2000);

            sim.faults(new SimFaults(0.1, 0.05, 0, 0.3, 0.2, 1));
            Random random = new Random(42);
            @SuppressWarnings("unchecked")
            List<String> live = new ArrayList<>(((List<Map<String, Object>>) sim.dump().get("projects")).stream()
                    .flatMap(p -> ((List<Map<String, Object>>) p.get("tasks")).stream())
                    .map(t -> (String) t.get("gid")).toList());
            String[] people = {world.botUser(), world.humanUser(), null};
            for (int i = 0; i < 500; i++) {
                String gid = live.get(random.nextInt(live.size()));
                int kind = random.nextInt(10);
                if (kind < 3) {
                    java.util.HashMap<String, Object> m = new java.util.HashMap<>();
                    m.put("assignee", people[random.nextInt(3)]);
                    sim.changeTask(gid, m);
                } else if (kind < 5) {
                    sim.changeTask(gid, Map.of(random.nextBoolean() ? "name" : "notes", "edit " + i));
                } else if (kind < 7) {
                    sim.changeTask(gid, Map.of("completed", random.nextBoolean()));
                } else if (kind < 9) {
                    sim.comment(gid, "comment " + i);
                } else {
                    sim.deleteTask(gid);
                    live.remove(gid);
                }
                if (i % 10 == 0) {
                    Thread.sleep(10);
                }
            }

            // Settle: the inbox drains; the events poll (the backstop) picks up what webhooks dropped.
            EventsPoll poll = app.context().getBean(EventsPoll.class);
            List<String> diffs = List.of();
            for (int round = 0; round < 20; round++) {
                Eventually.await("inbox drained", Duration.ofSeconds(60), () -> SimHarness.count(schema,
                        "SELECT count(*) FROM webhooks WHERE status IN ('pending', 'processing')") == 0);
                poll.pollDue(true);
                diffs = MirrorCheck.differences(sim.dump(), schema, world.botUser());
                if (diffs.isEmpty()) {
                    break;
                }
            }
            assertThat(diffs).as("mirror vs simulator").isEmpty();

            double acknowledged = app.context().getBean(MeterRegistry.class)
                    .counter(Metrics.WEBHOOK_DELIVERIES, "result", "received", "reason", "events").count();
            assertThat(acknowledged).isGreaterThan(50);
            assertThat(SimHarness.count(schema, "SELECT count(*) FROM webhooks WHERE event_count > 0"))
                    .isEqualTo((long) acknowledged);
            assertThat(SimHarness.count(schema, "SELECT count(*) FROM webhooks WHERE status <> 'processed'")).isZero();
        }
    }
}
