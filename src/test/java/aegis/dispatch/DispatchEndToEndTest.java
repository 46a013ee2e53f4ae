package aegis.dispatch;

import static aegis.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.sync.TaskSignal;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dispatch end to end: the real Asana client answers in the simulator over HTTP. The
 * tasks/comments rows and the signals are written as the sync engine writes them, so that
 * these tests pin dispatch's behaviour on its own; {@link ProductPathTest} takes the real road
 * (webhook, receiver, sync) for assignment and follow-up.
 */
class DispatchEndToEndTest {
    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static SimHttp person;
    private static Map<String, Object> world;
    private static String bot;
    private static String human;
    private static String completeProject;
    private static String sectionProject;

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("dispatch_e2e");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        person = new SimHttp(sim.rootUrl());
        world = person.reset(Map.of("seed", "empty", "projects", 2, "tasksPerProject", 0));
        bot = (String) world.get("botUser");
        human = (String) world.get("humanUser");
        @SuppressWarnings("unchecked")
        List<String> projects = (List<String>) world.get("projects");
        completeProject = projects.get(0);
        sectionProject = projects.get(1);
    }

    @AfterAll
    static void tearDown() {
        sim.close();
        schema.drop();
    }

    private static TestApp app(int echoDelayMs) {
        AegisConfig config = new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(),
                (String) world.get("token"), (String) world.get("workspace"), Optional.empty(),
                List.of(completeProject, sectionProject), 1500), Optional.empty(), 0);
        Map<String, Object> s = new HashMap<>();
        s.put("AEGIS_ECHO_DELAY_MS", String.valueOf(echoDelayMs));
        s.put("AEGIS_DISPATCH_BACKOFF_SECONDS", "1");
        s.put("AEGIS_DISPATCH_LEASE_SECONDS", "5");
        s.put("AEGIS_DISPATCH_RENEW_SECONDS", "1");
        s.put("AEGIS_DEFAULT_AGENT", "echo");
        s.put("projects", Map.of(sectionProject, Map.of("on_done", "section:Done")));
        return TestApp.start(config, Settings.of(s), Map.of("aegis.sync.enabled", "false",
                "aegis.webhooks.enabled", "false", "aegis.jobs.enabled", "false"));
    }

    /** A person assigns a new task to the bot; sync's part (rows, then the signal) done as sync does it. */
    private static long[] assign(TestApp app, String project, String name) throws Exception {
        String gid = person.createTask(Map.of("project", project, "name", name, "assignee", bot));
        long taskId;
        try (Connection c = schema.connect()) {
            taskId = Mirror.task(c, Mirror.project(c, project), gid, name, bot);
        }
        publish(app, new TaskSignal.AssignedToBot(taskId, gid, human));
        return new long[] {taskId, Long.parseLong(gid)};
    }

    private static void publish(TestApp app, TaskSignal s) {
        app.context().getEventPublisher(TaskSignal.class).publishEvent(s);
    }

    record Row(long id, String status, String outcome, int attempt, String kind, long outputTokens,
               String answerStory, String agentType) {
    }

    private static List<Row> executions(long taskId) {
        try (Connection c = schema.connect(); PreparedStatement ps = c.prepareStatement("""
                SELECT id, status, outcome, attempt, kind, output_tokens, answer_story_gid, agent_type
                  FROM task_executions WHERE task_id = ? ORDER BY id""")) {
            ps.setLong(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                List<Row> out = new java.util.ArrayList<>();
                while (rs.next()) {
                    out.add(new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getString(5),
                            rs.getLong(6), rs.getString(7), rs.getString(8)));
                }
                return out;
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean finished(long taskId, int n) {
        List<Row> rows = executions(taskId);
        return rows.size() >= n && rows.stream().noneMatch(r -> r.status().equals("pending") || r.status().equals("running"));
    }

    @Test
    void assignmentGetsOneResultCommentAndTheConfiguredCompletion() throws Exception {
        try (TestApp app = app(0)) {
            long[] t = assign(app, completeProject, "Summarise the launch plan");
            String gid = String.valueOf(t[1]);
            await("the answer", Duration.ofSeconds(20), () -> finished(t[0], 1));
            Row e = executions(t[0]).get(0);
            assertThat(e.status()).isEqualTo("completed");
            assertThat(e.outcome()).isEqualTo("done");
            assertThat(e.agentType()).isEqualTo("echo");
            assertThat(e.outputTokens()).isPositive();
            List<String> answers = person.commentsContaining(gid, Execution.marker(e.id()));
            assertThat(answers).hasSize(1);
            assertThat(answers.get(0)).contains("Echo: Summarise the launch plan");
            assertThat(e.answerStory()).isNotNull();
            assertThat(person.task(gid).get("completed")).isEqualTo(true);
            try (Connection c = schema.connect(); var st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT string_agg(event_type, ',' ORDER BY id) FROM agent_events WHERE execution_id = " + e.id())) {
                rs.next();
                assertThat(rs.getString(1)).as("every event, in the order it happened")
                        .isEqualTo("started,prompt_rendered,process_started,output,completed");
            }
            // The daemon's periodic reconcile must not answer it again.
            assertThat(app.context().getBean(Reconciler.class).reconcile()).isZero();
        }
    }

    @Test
    void aQuestionIsAskedAndTheTaskGoesBackToWhoAsked() throws Exception {
        try (TestApp app = app(0)) {
            long[] t = assign(app, completeProject, "question: Which region should the database live in?");
            String gid = String.valueOf(t[1]);
            await("the question", Duration.ofSeconds(20), () -> finished(t[0], 1));
            Row e = executions(t[0]).get(0);
            assertThat(e.outcome()).isEqualTo("question");
            List<String> asked = person.commentsContaining(gid, Execution.marker(e.id()));
            assertThat(asked).hasSize(1);
            assertThat(asked.get(0)).contains("Which region should the database live in?");
            @SuppressWarnings("unchecked")
            Map<String, Object> assignee = (Map<String, Object>) person.task(gid).get("assignee");
            assertThat(assignee.get("gid")).isEqualTo(human);
            assertThat(person.task(gid).get("completed")).isEqualTo(false);
        }
    }

    @Test
    void aFailingAgentRetriesThenSaysOnceThatItGaveUp() throws Exception {
        try (TestApp app = app(0)) {
            long[] t = assign(app, completeProject, "fail: the build server is down");
            String gid = String.valueOf(t[1]);
            // Backoff 1 s then 2 s.
            await("the final failure", Duration.ofSeconds(30), () -> finished(t[0], 1));
            Row e = executions(t[0]).get(0);
            assertThat(e.status()).isEqualTo("failed");
            assertThat(e.outcome()).isEqualTo("failed");
            assertThat(e.attempt()).isEqualTo(3);
            List<String> finals = person.commentsContaining(gid, Execution.marker(e.id()));
            assertThat(finals).hasSize(1);
            assertThat(finals.get(0)).contains("the build server is down").contains("Gave up after 3 attempts");
            assertThat(person.commentsContaining(gid, "I will retry at")).hasSize(2);
            assertThat(person.task(gid).get("completed")).isEqualTo(false);
        }
    }

    @Test
    void unassignedMidRunStopsTheRunAndPostsNothing() throws Exception {
        try (TestApp app = app(4000)) {
            long[] t = assign(app, completeProject, "A long piece of work");
            String gid = String.valueOf(t[1]);
            await("the run", Duration.ofSeconds(10), () -> executions(t[0]).stream().anyMatch(r -> r.status().equals("running")));
            person.changeTask(gid, new HashMap<>(Map.of("assignee", human)));
            try (Connection c = schema.connect()) {
                Mirror.assignee(c, t[0], human);
            }
            publish(app, new TaskSignal.Withdrawn(t[0], gid, TaskSignal.Reason.UNASSIGNED));
            await("the cancellation", Duration.ofSeconds(5), () -> finished(t[0], 1));
            assertThat(executions(t[0]).get(0).status()).isEqualTo("cancelled");
            Thread.sleep(4500);
            assertThat(person.commentsContaining(gid, "— Aegis")).isEmpty();
            try (Connection c = schema.connect(); var st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM agents WHERE status = 'busy'")) {
                rs.next();
                assertThat(rs.getLong(1)).as("the worker is free again").isZero();
            }
        }
    }

    @Test
    void aFollowUpCommentStartsASecondExecutionThatSeesTheThread() throws Exception {
        try (TestApp app = app(0)) {
            long[] t = assign(app, sectionProject, "Draft the release notes");
            String gid = String.valueOf(t[1]);
            await("the first answer", Duration.ofSeconds(20), () -> finished(t[0], 1));
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> memberships = (List<Map<String, Object>>) person.task(gid).get("memberships");
            assertThat(memberships).anySatisfy(m -> assertThat(String.valueOf(m.get("section"))).contains("Done"));
            assertThat(person.task(gid).get("completed")).isEqualTo(false);

            Map<String, Object> story = person.comment(gid, "Please mention the new export button", human);
            try (Connection c = schema.connect()) {
                Mirror.comment(c, t[0], (String) story.get("gid"), human, "Please mention the new export button");
            }
            publish(app, new TaskSignal.PersonCommented(t[0], gid, (String) story.get("gid"), human));
            await("the follow-up answer", Duration.ofSeconds(20), () -> finished(t[0], 2));
            List<Row> rows = executions(t[0]);
            assertThat(rows).hasSize(2);
            assertThat(rows.get(1).kind()).isEqualTo("follow_up");
            assertThat(rows.get(1).status()).isEqualTo("completed");
            List<String> second = person.commentsContaining(gid, Execution.marker(rows.get(1).id()));
            assertThat(second).hasSize(1);
            assertThat(second.get(0)).contains("Please mention the new export button");
            assertThat(person.commentsContaining(gid, "— Aegis · run ")).hasSize(2);
        }
    }
}
