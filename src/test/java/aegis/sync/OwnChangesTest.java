package aegis.sync;

import aegis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.AegisConfig;
import aegis.dispatch.Reconciler;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole daemon (sync, webhooks, dispatch, the echo agent) against the simulator over HTTP:
 * what Aegis itself changes in Asana reaches the mirror, so a person's reply to a finished
 * answer is not taken for new work.
 */
class OwnChangesTest {
    private TestDatabase.Schema schema;
    private AsanaSimulator sim;
    private AsanaSimulator.SimWorld world;

    @BeforeEach
    void setUp() {
        schema = TestDatabase.freshSchema("ownchanges");
        sim = AsanaSimulator.start(0, SimOptions.of("empty").withProjects(1, 3)
                .withWebhookTiming(2, 100, 86_400, 28_800));
        world = sim.world();
    }

    @AfterEach
    void tearDown() {
        sim.close();
        schema.drop();
    }

    private TestApp daemon() throws InterruptedException {
        int port = Eventually.freePort();
        AegisConfig config = SimHarness.config(schema, sim, port, true);
        Map<String, Object> props = new HashMap<>(Map.of("aegis.jobs.enabled", false));
        TestApp app = TestApp.start(config, SimHarness.settings(Map.of("AEGIS_DEFAULT_AGENT", "echo",
                "AEGIS_DISPATCH_BACKOFF_SECONDS", "1")), props);
        Eventually.await("webhooks registered", Duration.ofSeconds(30), () -> SimHarness.count(schema,
                "SELECT count(*) FROM webhook_subscriptions WHERE status = 'active'") == 1);
        return app;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> inAsana(String taskGid) {
        var projects = (java.util.List<Map<String, Object>>) sim.dump().get("projects");
        return projects.stream().flatMap(p -> ((java.util.List<Map<String, Object>>) p.get("tasks")).stream())
                .filter(t -> taskGid.equals(t.get("gid"))).findFirst().orElseThrow();
    }

    private long executions(String taskGid) {
        return SimHarness.count(schema, "SELECT count(*) FROM task_executions e JOIN tasks t ON t.id = e.task_id "
                + "WHERE t.asana_gid = '" + taskGid + "'");
    }

    private long finished(String taskGid, String outcome) {
        return SimHarness.count(schema, "SELECT count(*) FROM task_executions e JOIN tasks t ON t.id = e.task_id "
                + "WHERE t.asana_gid = '" + taskGid + "' AND e.outcome = '" + outcome + "'");
    }

    /** A person's comment reaches the daemon and the whole inbox is processed. */
    private void personComments(String taskGid, String text) throws InterruptedException {
        long before = SimHarness.count(schema, "SELECT count(*) FROM webhooks");
        sim.comment(taskGid, text);
        Eventually.await("the comment's delivery processed", Duration.ofSeconds(10), () -> SimHarness.count(schema,
                "SELECT count(*) FROM webhooks") > before && SimHarness.count(schema,
                "SELECT count(*) FROM webhooks WHERE status <> 'processed'") == 0);
        // Time for a signal, had one been raised, to queue and start a run.
        Thread.sleep(1500);
    }

    @Test
    void thanksAfterACompletedAnswerStartsNoSecondRun() throws Exception {
        try (TestApp app = daemon()) {
            String task = (String) sim.createTask(Map.of("project", world.projects().get(0),
                    "name", "Summarise the launch plan", "assignee", world.botUser())).get("gid");
            Eventually.await("the answer", Duration.ofSeconds(20), () -> finished(task, "done") == 1);
            Eventually.await("completed in Asana", Duration.ofSeconds(5),
                    () -> Boolean.TRUE.equals(inAsana(task).get("completed")));
            Eventually.await("the mirror showing the bot's completion", Duration.ofSeconds(5),
                    () -> SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE asana_gid = '" + task
                            + "' AND completed AND assigned_to_aegis") == 1);

            personComments(task, "thanks!");
            assertThat(executions(task)).isEqualTo(1);
            assertThat(app.context().getBean(Reconciler.class).reconcile()).isZero();
            assertThat(executions(task)).isEqualTo(1);
        }
    }

    @Test
    void aReplyToAQuestionWaitsUntilTheTaskIsAssignedBack() throws Exception {
        try (TestApp app = daemon()) {
            String task = (String) sim.createTask(Map.of("project", world.projects().get(0),
                    "name", "question: Which region should the database live in?",
                    "assignee", world.botUser())).get("gid");
            Eventually.await("the question", Duration.ofSeconds(20), () -> finished(task, "question") == 1);
            Eventually.await("the mirror showing the task handed back", Duration.ofSeconds(5),
                    () -> SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE asana_gid = '" + task
                            + "' AND assignee_gid = '" + world.humanUser() + "' AND NOT assigned_to_aegis") == 1);

            personComments(task, "eu-west, please");
            assertThat(executions(task)).isEqualTo(1);
            assertThat(app.context().getBean(Reconciler.class).reconcile()).isZero();

            sim.changeTask(task, Map.of("assignee", world.botUser()));
            Eventually.await("the second run", Duration.ofSeconds(20), () -> executions(task) == 2
                    && SimHarness.count(schema, "SELECT count(*) FROM task_executions e JOIN tasks t "
                    + "ON t.id = e.task_id WHERE t.asana_gid = '" + task + "' AND e.finished_at IS NULL") == 0);
        }
    }
}
