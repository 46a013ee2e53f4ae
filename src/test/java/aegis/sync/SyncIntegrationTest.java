package aegis.sync;

import aegis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.cli.Main;
import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimFaults;
import aegis.sim.SimOptions;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import aegis.webhook.InboxStore;
import aegis.webhook.SecretBox;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sync engine end to end: the simulator over HTTP, real PostgreSQL, our own Asana client. */
class SyncIntegrationTest {
    private TestDatabase.Schema schema;
    private AsanaSimulator sim;
    private AsanaSimulator.SimWorld world;

    @BeforeEach
    void setUp() {
        schema = TestDatabase.freshSchema("syncit");
        sim = AsanaSimulator.start(0, SimOptions.of("demo").withProjects(2, 150)
                .withWebhookTiming(2, 100, 86_400, 28_800));
        world = sim.world();
    }

    @AfterEach
    void tearDown() {
        sim.close();
        schema.drop();
    }

    /** The environment of a CLI run against this schema and simulator, tracking every project. */
    private Settings env(Optional<Integer> publicPort) {
        return env(publicPort, world.projects());
    }

    private Settings env(Optional<Integer> publicPort, List<String> tracked) {
        Map<String, String> env = new HashMap<>();
        env.put("AEGIS_DATABASE_URL", schema.database().url());
        env.put("AEGIS_DATABASE_USER", schema.database().user());
        env.put("AEGIS_DATABASE_PASSWORD", schema.database().password());
        env.put("ASANA_ACCESS_TOKEN", world.token());
        env.put("AEGIS_ASANA_BASE_URL", sim.baseUrl().toString());
        env.put("AEGIS_ASANA_WORKSPACE", world.workspace());
        env.put("AEGIS_ASANA_PROJECTS", String.join(",", tracked));
        env.put(SecretBox.SETTING, SimHarness.KEY);
        publicPort.ifPresent(p -> env.put("AEGIS_PUBLIC_URL", "http://127.0.0.1:" + p));
        return Settings.of(env);
    }

    private record Run(int exit, String out) {
    }

    private static synchronized Run cli(Settings s, String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            int exit = Main.execute(s, args);
            return new Run(exit, buf.toString());
        } finally {
            System.setOut(old);
        }
    }

    private String firstTask(int project) {
        @SuppressWarnings("unchecked")
        var ps = (List<Map<String, Object>>) sim.dump().get("projects");
        @SuppressWarnings("unchecked")
        var ts = (List<Map<String, Object>>) ps.get(project).get("tasks");
        return (String) ts.get(10).get("gid");
    }

    /** The last full sync as {@code aegis status} shows it: an ISO instant, or "-" for never. */
    private static String lastFullSync(Settings s) {
        Run status = cli(s, "status");
        assertThat(status.exit()).as(status.out()).isZero();
        Matcher m = Pattern.compile("Last syncs: +full (\\S+) ").matcher(status.out());
        assertThat(m.find()).as(status.out()).isTrue();
        return m.group(1);
    }

    @Test
    void fullSyncMirrorsTheProjectsAndASecondRunChangesNothing() {
        String botTask = (String) sim.createTask(Map.of("project", world.projects().get(0), "name", "for the bot",
                "assignee", world.botUser())).get("gid");
        sim.createTask(Map.of("parent", botTask, "name", "a subtask"));
        sim.comment(botTask, "please look at this");

        assertThat(lastFullSync(env(Optional.empty()))).as("status before any sync").isEqualTo("-");
        Run r = cli(env(Optional.empty()), "sync", "--once");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).contains("151 tasks listed", "1 subtasks");
        assertThat(MirrorCheck.differences(sim.dump(), schema, world.botUser())).isEmpty();
        assertThat(SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE parent_gid = '" + botTask + "'"))
                .isEqualTo(1);
        assertThat(Instant.parse(lastFullSync(env(Optional.empty()))).toEpochMilli()).as("status's last full sync")
                .isEqualTo(SimHarness.count(schema,
                        "SELECT floor(extract(epoch FROM max(last_synced_at)) * 1000)::bigint FROM projects"));
        assertThat(SimHarness.count(schema, "SELECT count(*) FROM projects WHERE last_synced_at IS NOT NULL "
                + "AND events_sync_token IS NOT NULL AND name <> ''")).isEqualTo(2);

        // Economy: one listing per project (2 pages of 100 here), threads and subtasks for open bot tasks.
        var counts = sim.requests().counts();
        assertThat(counts.get("GET /projects/{project_gid}/tasks")).isEqualTo(4);
        long botOpen = SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE assignee_gid = '"
                + world.botUser() + "' AND NOT completed AND parent_gid IS NULL");
        assertThat(counts.get("GET /tasks/{task_gid}/stories")).isEqualTo(botOpen);
        assertThat(counts.get("GET /tasks/{task_gid}/subtasks")).isEqualTo(botOpen);

        sim.requests().clear();
        Run again = cli(env(Optional.empty()), "sync", "--once", "--project", world.projects().get(0));
        assertThat(again.exit()).isZero();
        assertThat(again.out()).contains("0 rows changed").doesNotContain(world.projects().get(1) + ":");
        assertThat(sim.requests().count("GET", "/events")).isZero();

        String gone = firstTask(1);
        sim.deleteTask(gone);
        assertThat(cli(env(Optional.empty()), "sync", "--once").exit()).isZero();
        assertThat(SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE asana_gid = '" + gone
                + "' AND deleted AND deleted_at IS NOT NULL")).isEqualTo(1);
        assertThat(MirrorCheck.differences(sim.dump(), schema, world.botUser())).isEmpty();
        assertThat(cli(env(Optional.empty()), "sync").exit()).isEqualTo(Main.USAGE);
    }

    @Test
    void webhooksCarryChangesWithinASecondAndRaiseSignals() throws Exception {
        int port = Eventually.freePort();
        AegisConfig config = SimHarness.config(schema, sim, port, true);
        try (TestApp app = SimHarness.start(config, SimHarness.settings(Map.of()), true)) {
            Eventually.await("webhooks registered", Duration.ofSeconds(30), () -> SimHarness.count(schema,
                    "SELECT count(*) FROM webhook_subscriptions WHERE status = 'active'") == 2);
            SignalRecorder signals = app.context().getBean(SignalRecorder.class);
            String task = firstTask(0);
            sim.changeTask(task, Map.of("assignee", world.botUser()));
            Eventually.await("assignment mirrored", Duration.ofSeconds(10), () -> SimHarness.count(schema,
                    "SELECT count(*) FROM tasks WHERE asana_gid = '" + task + "' AND assignee_gid = '"
                            + world.botUser() + "' AND assigned_to_aegis") == 1);
            Eventually.await("signal", Duration.ofSeconds(5), () -> signals.signals().stream()
                    .anyMatch(s -> s instanceof TaskSignal.AssignedToBot a && a.taskGid().equals(task)
                            && world.humanUser().equals(a.byUserGid())));

            String comment = (String) sim.comment(task, "any news?").get("gid");
            Eventually.await("comment signal", Duration.ofSeconds(10), () -> signals.signals().stream()
                    .anyMatch(s -> s instanceof TaskSignal.PersonCommented p && p.commentGid().equals(comment)));

            // The bot's own change causes no fetch.
            long fetches = sim.requests().count("GET", "/tasks/{task_gid}");
            sim.changeTask(task, Map.of("name", "renamed by the bot", "author", world.botUser()));
            Thread.sleep(500);
            assertThat(sim.requests().count("GET", "/tasks/{task_gid}")).isEqualTo(fetches);

            sim.changeTask(task, Map.of("completed", true));
            Eventually.await("withdrawn", Duration.ofSeconds(10), () -> signals.signals().stream()
                    .anyMatch(s -> s instanceof TaskSignal.Withdrawn w && w.taskGid().equals(task)
                            && w.reason() == TaskSignal.Reason.COMPLETED));
            Eventually.await("inbox drained", Duration.ofSeconds(10), () -> SimHarness.count(schema,
                    "SELECT count(*) FROM webhooks WHERE status <> 'processed'") == 0);
            assertThat(signals.signals().stream().filter(s -> s instanceof TaskSignal.PersonCommented).count())
                    .isEqualTo(1);
        }
    }

    @Test
    void theCliRegistersWebhooksWhileTheDaemonAnswersTheHandshake() throws Exception {
        int port = Eventually.freePort();
        AegisConfig config = SimHarness.config(schema, sim, port, true);
        try (TestApp app = SimHarness.start(config, SimHarness.settings(Map.of()), false)) {
            Settings env = env(Optional.of(port));
            assertThat(cli(env, "sync", "--once").exit()).isZero();
            Run reg = cli(env, "webhooks", "register");
            assertThat(reg.exit()).as(reg.out()).isZero();
            assertThat(sim.webhooks()).hasSize(2);
            assertThat(SimHarness.count(schema, "SELECT count(*) FROM webhook_subscriptions WHERE status = 'active' "
                    + "AND secret_encrypted IS NOT NULL AND target LIKE 'http://127.0.0.1:" + port
                    + "/webhooks/asana/%'")).isEqualTo(2);
            Run again = cli(env, "webhooks", "register");
            assertThat(again.out()).contains("already has an active webhook");
            Run list = cli(env, "webhooks", "list");
            assertThat(list.exit()).isZero();
            assertThat(list.out()).contains(world.projects().get(0), world.projects().get(1), "healthy");
            Run del = cli(env, "webhooks", "delete");
            assertThat(del.exit()).as(del.out()).isZero();
            assertThat(sim.webhooks()).isEmpty();
            assertThat(SimHarness.count(schema, "SELECT count(*) FROM webhook_subscriptions WHERE status <> 'deleted'"))
                    .isZero();
            assertThat(cli(env(Optional.empty()), "webhooks", "register").exit()).isEqualTo(Main.USAGE);
        }
    }

    @Test
    void aWebhookNoSubscriptionOwnsIsDeletedAndEachProjectKeepsOne() throws Exception {
        int port = Eventually.freePort();
        AegisConfig config = SimHarness.config(schema, sim, port, true);
        try (TestApp app = SimHarness.start(config, SimHarness.settings(Map.of()), false)) {
            Settings env = env(Optional.of(port));
            assertThat(cli(env, "sync", "--once").exit()).isZero();
            assertThat(cli(env, "webhooks", "register").exit()).isZero();
            assertThat(sim.webhooks()).hasSize(2);
            // As if the create call had timed out after Asana made the webhook: the row says failed.
            String project = world.projects().get(0);
            SimHarness.count(schema, "WITH f AS (UPDATE webhook_subscriptions SET status = 'failed', "
                    + "last_error = 'register: timed out' WHERE resource_gid = '" + project + "' RETURNING 1) "
                    + "SELECT count(*) FROM f");
            // Two instances registering the same project at once: the database lets one through.
            var repo = app.context().getBean(aegis.webhook.SubscriptionRepository.class);
            long projectId = SimHarness.count(schema, "SELECT id FROM projects WHERE asana_gid = '" + project + "'");
            java.util.UUID first = java.util.UUID.randomUUID();
            assertThat(repo.createPending(first, project, projectId, "http://127.0.0.1:9/x")).isTrue();
            assertThat(repo.createPending(java.util.UUID.randomUUID(), project, projectId, "http://127.0.0.1:9/y"))
                    .isFalse();
            repo.markDeleted(first, "test");

            app.context().getBean(aegis.webhook.WebhookHealthTask.class).run();

            List<Map<String, Object>> hooks = sim.webhooks();
            assertThat(hooks).as("the orphan deleted, a new one registered").hasSize(2);
            assertThat(hooks.stream().map(h -> String.valueOf(((Map<?, ?>) h.get("resource")).get("gid"))))
                    .containsExactlyInAnyOrder(world.projects().get(0), world.projects().get(1));
            assertThat(SimHarness.count(schema, "SELECT count(*) FROM webhook_subscriptions WHERE status = 'active'"))
                    .isEqualTo(2);
            assertThat(SimHarness.count(schema, "SELECT count(*) FROM webhook_subscriptions WHERE status = 'failed'"))
                    .as("the failed row is retired with its webhook").isZero();
        }
    }

    @Test
    void theEventsPollIsTheBackstopAndA412RunsAFullSync() throws Exception {
        AegisConfig config = SimHarness.config(schema, sim, 0, false);
        try (TestApp app = SimHarness.start(config, SimHarness.settings(Map.of()), false)) {
            app.context().getBean(FullSync.class).run(Optional.empty(), true);
            String task = firstTask(1);
            sim.changeTask(task, Map.of("name", "changed while no webhook listened"));
            EventsPoll poll = app.context().getBean(EventsPoll.class);
            assertThat(poll.pollDue(true)).isEqualTo(2);
            assertThat(SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE asana_gid = '" + task
                    + "' AND name = 'changed while no webhook listened'")).isEqualTo(1);
            // Not due again right away (no healthy webhook: the short period, 30 s by default).
            assertThat(poll.pollDue(false)).isZero();

            String before = app.context().getBean(ProjectRepository.class).byGid(world.projects().get(1))
                    .orElseThrow().eventsSyncToken();
            sim.expireTokens();
            sim.changeTask(task, Map.of("notes", "after the token expired"));
            sim.requests().clear();
            poll.pollDue(true);
            assertThat(sim.requests().count("GET", "/projects/{project_gid}/tasks")).isEqualTo(4);
            assertThat(app.context().getBean(ProjectRepository.class).byGid(world.projects().get(1))
                    .orElseThrow().eventsSyncToken()).isNotEqualTo(before).isNotNull();
            assertThat(MirrorCheck.differences(sim.dump(), schema, world.botUser())).isEmpty();
        }
    }

    private boolean assignedToAegis(String taskGid) {
        return SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE asana_gid = '" + taskGid
                + "' AND assigned_to_aegis") == 1;
    }

    @Test
    void assignedToAegisFollowsTheAssigneeAsEventsArrive() throws Exception {
        AegisConfig config = SimHarness.config(schema, sim, 0, false);
        try (TestApp app = SimHarness.start(config, SimHarness.settings(Map.of()), false)) {
            app.context().getBean(FullSync.class).run(Optional.empty(), true);
            assertThat(SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE assigned_to_aegis"))
                    .as("the seed's tasks of the bot").isPositive()
                    .isEqualTo(SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE assignee_gid = '"
                            + world.botUser() + "'"));
            String task = firstTask(1);
            EventsPoll poll = app.context().getBean(EventsPoll.class);

            sim.changeTask(task, Map.of("assignee", world.botUser()));
            poll.pollDue(true);
            assertThat(assignedToAegis(task)).as("assigned to the bot").isTrue();

            sim.changeTask(task, Map.of("completed", true));
            poll.pollDue(true);
            assertThat(assignedToAegis(task)).as("completed, still the bot's").isTrue();

            sim.changeTask(task, Map.of("assignee", world.humanUser(), "completed", false));
            poll.pollDue(true);
            assertThat(assignedToAegis(task)).as("reassigned to a person").isFalse();
            assertThat(MirrorCheck.differences(sim.dump(), schema, world.botUser())).isEmpty();
        }
    }

    @Test
    void aSubtaskMirroredBeforeItsParentIsLinkedWhenTheParentArrives() {
        String tracked = world.projects().get(0);
        String later = world.projects().get(1);
        String parent = (String) sim.createTask(Map.of("project", later, "name", "the parent")).get("gid");
        String child = (String) sim.createTask(Map.of("project", tracked, "parent", parent,
                "name", "a subtask in the tracked project")).get("gid");

        assertThat(cli(env(Optional.empty(), List.of(tracked)), "sync", "--once").exit()).isZero();
        assertThat(SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE asana_gid = '" + child
                + "' AND parent_gid = '" + parent + "' AND parent_task_id IS NULL"))
                .as("mirrored, its parent not yet").isEqualTo(1);

        // The operator tracks the parent's project too: the parent arrives and its child is linked.
        assertThat(cli(env(Optional.empty(), List.of(tracked, later)), "sync", "--once").exit()).isZero();
        assertThat(SimHarness.count(schema, "SELECT count(*) FROM tasks c JOIN tasks p ON p.id = c.parent_task_id "
                + "WHERE c.asana_gid = '" + child + "' AND p.asana_gid = '" + parent + "'")).isEqualTo(1);
        assertThat(MirrorCheck.differences(sim.dump(), schema, world.botUser())).isEmpty();
    }

    @Test
    void aFailedInboxRowIsRecordedAndRetriedWithBackoff() throws Exception {
        AegisConfig config = SimHarness.config(schema, sim, 0, false);
        try (TestApp app = SimHarness.start(config, SimHarness.settings(Map.of("AEGIS_SYNC_INBOX_MAX_ATTEMPTS", "2")),
                false)) {
            app.context().getBean(FullSync.class).run(Optional.empty(), true);
            String task = firstTask(0);
            sim.changeTask(task, Map.of("name", "arrives by webhook"));
            String body = "{\"events\":[{\"action\":\"changed\",\"resource\":{\"gid\":\"" + task
                    + "\",\"resource_type\":\"task\"},\"user\":{\"gid\":\"" + world.humanUser()
                    + "\",\"resource_type\":\"user\"},\"created_at\":\"" + java.time.Instant.now() + "\"}]}";
            app.context().getBean(InboxStore.class).store(null, body, 1);
            sim.faults(new SimFaults(0, 1.0, 0, 0, 0, 1));
            InboxDrain drain = app.context().getBean(InboxDrain.class);
            drain.drain();
            assertThat(SimHarness.count(schema, "SELECT count(*) FROM webhooks WHERE status = 'pending' AND attempts = 1 "
                    + "AND last_error LIKE '%ServerError%' AND next_attempt_at > now()")).isEqualTo(1);
            sim.faults(SimFaults.NONE);
            assertThat(drain.drain()).isZero();
            SimHarness.count(schema, "WITH u AS (UPDATE webhooks SET next_attempt_at = now() RETURNING 1) SELECT count(*) FROM u");
            drain.drain();
            assertThat(SimHarness.count(schema, "SELECT count(*) FROM webhooks WHERE status = 'processed'")).isEqualTo(1);
            assertThat(SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE name = 'arrives by webhook'"))
                    .isEqualTo(1);
        }
    }
}
