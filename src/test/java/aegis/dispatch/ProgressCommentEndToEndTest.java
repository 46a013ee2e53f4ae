package aegis.dispatch;

import static aegis.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.asana.AsanaClient;
import aegis.asana.RichText;
import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimFaults;
import aegis.sim.SimOptions;
import aegis.sync.TaskSignal;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a person sees in Asana while the bot works, through the simulator over HTTP and real
 * PostgreSQL: one progress comment for a long run, edited as it goes and turned into a final line,
 * the answer as a separate rich-text comment; nothing extra for a short run; plain text when Asana
 * refuses the rich text; the project's status field following the execution.
 */
class ProgressCommentEndToEndTest {
    private static final String MARKDOWN = "Plan:\n\n- **first** step\n- second step with `mvn test`\n\n"
            + "See [the docs](https://example.com/docs).";
    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static SimHttp person;
    private static Map<String, Object> world;
    private static String bot;
    private static String human;
    private static String project;

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("progress_e2e");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        person = new SimHttp(sim.rootUrl());
        world = person.reset(Map.of("seed", "empty", "projects", 1, "tasksPerProject", 0));
        bot = (String) world.get("botUser");
        human = (String) world.get("humanUser");
        @SuppressWarnings("unchecked")
        List<String> projects = (List<String>) world.get("projects");
        project = projects.get(0);
        sim.addEnumField(project, "Aegis status", List.of("queued", "working", "waiting for approval",
                "waiting for a person", "done", "failed"));
    }

    @AfterAll
    static void tearDown() {
        sim.close();
        schema.drop();
    }

    private static TestApp app(int echoDelayMs) {
        AegisConfig config = new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(),
                (String) world.get("token"), (String) world.get("workspace"), Optional.empty(),
                List.of(project), 1500), Optional.empty(), 0);
        Map<String, Object> s = new HashMap<>();
        s.put("AEGIS_ECHO_DELAY_MS", String.valueOf(echoDelayMs));
        s.put("AEGIS_DISPATCH_LEASE_SECONDS", "5");
        s.put("AEGIS_DISPATCH_RENEW_SECONDS", "1");
        s.put("AEGIS_DEFAULT_AGENT", "echo");
        s.put("projects", Map.of(project, Map.of("status_field", "Aegis status")));
        return TestApp.start(config, Settings.of(s), Map.of("aegis.sync.enabled", "false",
                "aegis.webhooks.enabled", "false", "aegis.jobs.enabled", "false"));
    }

    /** A person assigns a task whose notes are Markdown; sync's part done as sync does it. */
    private static long[] assign(TestApp app, String name) throws Exception {
        String gid = person.createTask(Map.of("project", project, "name", name, "notes", MARKDOWN,
                "assignee", bot));
        long taskId;
        try (Connection c = schema.connect()) {
            taskId = Mirror.task(c, Mirror.project(c, project), gid, name, bot);
            try (PreparedStatement ps = c.prepareStatement("UPDATE tasks SET notes = ? WHERE id = ?")) {
                ps.setString(1, MARKDOWN);
                ps.setLong(2, taskId);
                ps.executeUpdate();
            }
        }
        app.context().getEventPublisher(TaskSignal.class).publishEvent(new TaskSignal.AssignedToBot(taskId, gid, human));
        return new long[] {taskId, Long.parseLong(gid)};
    }

    private static long execution(long taskId) {
        try (Connection c = schema.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM task_executions WHERE task_id = ? AND status IN ('completed', 'failed')")) {
            ps.setLong(1, taskId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Map<String, Object>> botComments(String gid) {
        return person.stories(gid).stream().filter(s -> "comment_added".equals(s.get("resource_subtype")))
                .filter(s -> s.get("created_by") instanceof Map<?, ?> by && bot.equals(by.get("gid"))).toList();
    }

    private static List<String> events(long executionId) throws Exception {
        try (Connection c = schema.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT event_type FROM agent_events WHERE execution_id = ? ORDER BY id")) {
            ps.setLong(1, executionId);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    @Test
    void aLongRunShowsOneLivingProgressCommentThenAnswersInANewRichTextComment() throws Exception {
        sim.requests().clear();
        try (TestApp app = app(40_000)) {
            long[] t = assign(app, "Write the release notes");
            String gid = String.valueOf(t[1]);
            await("the answer", Duration.ofSeconds(90), () -> execution(t[0]) > 0);
            long id = execution(t[0]);
            await("the progress comment's final line", Duration.ofSeconds(15), () -> botComments(gid).stream()
                    .anyMatch(s -> String.valueOf(s.get("text")).startsWith("Finished in")));

            List<Map<String, Object>> mine = botComments(gid);
            assertThat(mine).as("one progress comment and one answer").hasSize(2);
            Map<String, Object> progress = mine.get(0);
            Map<String, Object> answer = mine.get(1);
            assertThat(String.valueOf(progress.get("text")))
                    .as("one final line").matches("Finished in \\d+ s · \\d+ tokens — answer below");
            assertThat((Integer) progress.get("edits")).as("edited while it ran and at the end").isGreaterThanOrEqualTo(2);
            assertThat(progress.get("is_edited")).isEqualTo(true);
            assertThat(String.valueOf(answer.get("text"))).endsWith(Execution.marker(id))
                    .contains("Echo: Write the release notes");
            assertThat((Integer) answer.get("edits")).as("the answer is a new comment, never an edit").isZero();
            assertThat(String.valueOf(answer.get("html_text")))
                    .startsWith("<body>").endsWith(Execution.marker(id) + "</body>")
                    .contains("<ul><li><strong>first</strong> step</li><li>second step with <code>mvn test</code></li></ul>")
                    .contains("<a href=\"https://example.com/docs\">the docs</a>");

            await("the status field at done", Duration.ofSeconds(10),
                    () -> sim.fieldHistory(gid).contains("done"));
            assertThat(sim.fieldHistory(gid)).containsExactly("queued", "working", "done");

            long posts = sim.requests().count("POST", "/tasks/{task_gid}/stories");
            long edits = sim.requests().count("PUT", "/stories/{story_gid}");
            assertThat(posts).as("the progress comment and the answer").isEqualTo(2);
            // 40 s at one edit per 15 s: the edit at 30 s and the final line; never one per step.
            assertThat(edits).isBetween(2L, 3L);
            System.out.printf("progress traffic: %d post + %d edits over a 40 s run = %.1f requests per minute%n",
                    1, edits, (1 + edits) * 60.0 / 40);
        }
    }

    @Test
    void aShortRunPostsNoProgressCommentAndARefusedRichTextFallsBackToPlainText() throws Exception {
        sim.faults(new SimFaults(0, 0, 0, 0, 0, 1, true));
        try (TestApp app = app(2_000)) {
            long[] t = assign(app, "Check the changelog");
            String gid = String.valueOf(t[1]);
            await("the answer", Duration.ofSeconds(30), () -> execution(t[0]) > 0);
            long id = execution(t[0]);
            List<Map<String, Object>> mine = botComments(gid);
            assertThat(mine).as("the answer alone: no progress comment for a 2 s run").hasSize(1);
            String text = String.valueOf(mine.get(0).get("text"));
            assertThat(text).endsWith(Execution.marker(id)).contains("- **first** step");
            assertThat(String.valueOf(mine.get(0).get("html_text"))).doesNotContain("<strong>");
            assertThat(events(id)).contains("rich_text_refused");
        } finally {
            sim.faults(SimFaults.NONE);
        }
    }

    @Test
    void anAnswerPostedAsRichTextBeforeACrashIsFoundNotPostedAgain() throws Exception {
        try (TestApp app = app(0)) {
            String gid = person.createTask(Map.of("project", project, "name", "Crash after posting"));
            Execution e = new Execution(987_654, 0, gid, "initial", "echo", 1, 3, null, null, null, null, null, 0,
                    "w:1", null, Instant.now());
            AsanaClient asana = app.context().getBean(AsanaClient.class);
            // The attempt that crashed got as far as posting its rich-text answer.
            String first = asana.postRichComment(gid, RichText.fromMarkdown("**All** done.", null), e.marker(), false)
                    .gid();
            ResultReporter reporter = app.context().getBean(ResultReporter.class);
            String again = reporter.answer(e, new ResultReporter.Answer.Done("**All** done."), true);
            assertThat(again).isEqualTo(first);
            assertThat(person.commentsContaining(gid, e.marker())).hasSize(1);
        }
    }
}
