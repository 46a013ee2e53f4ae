package aegis.dispatch;

import static aegis.testing.Eventually.await;
import static aegis.testing.Eventually.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import aegis.webhook.SecretBox;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several bots and @mentions on the whole product path: people act in the simulator, Asana's
 * webhooks reach the daemon, sync mirrors and raises the signals, dispatch runs the bot that was
 * asked, and its answer appears in the simulator authored by that bot's own user.
 */
class BotsEndToEndTest {
    private static final String KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    private static final String PERSONA = "You are Rita, the reviewer: strict, brief, and fond of checklists.";

    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static SimHttp person;
    private static String aegisBot;
    private static String reviewerBot;
    private static String reviewerToken;
    private static String human;
    private static String project;
    private static TestApp app;

    @BeforeAll
    static void setUp() throws Exception {
        schema = TestDatabase.freshSchema("bots_e2e");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        person = new SimHttp(sim.rootUrl());
        Map<String, Object> world = person.reset(Map.of("seed", "empty", "projects", 1, "tasksPerProject", 0));
        aegisBot = (String) world.get("botUser");
        human = (String) world.get("humanUser");
        Map<String, Object> reviewer = person.createUser("Reviewer Bot");
        reviewerBot = (String) reviewer.get("gid");
        reviewerToken = (String) reviewer.get("token");
        @SuppressWarnings("unchecked")
        List<String> projects = (List<String>) world.get("projects");
        project = projects.get(0);
        int port = freePort();
        AegisConfig config = new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(),
                (String) world.get("token"), (String) world.get("workspace"), Optional.empty(), List.of(project), 1500),
                Optional.of(URI.create("http://127.0.0.1:" + port)), port);
        Map<String, Object> s = new HashMap<>();
        s.put(SecretBox.SETTING, KEY);
        s.put("AEGIS_DEFAULT_AGENT", "echo");
        // A plain directory, not a checkout: the command agent runs there without a worktree.
        s.put("AEGIS_DEFAULT_CODE_PATH", java.nio.file.Files.createTempDirectory("bots-e2e").toString());
        s.put("REVIEWER_ASANA_TOKEN", reviewerToken);
        // The reviewer runs a command agent that prints the prompt it was given (system, then user).
        s.put("agents", Map.of("command", Map.of("argv", List.of("cat"), "sandbox", "none", "timeout", "30s")));
        s.put("bots", List.of(Map.of("name", "reviewer", "token_env", "REVIEWER_ASANA_TOKEN", "persona", PERSONA,
                "agent", "command")));
        app = TestApp.start(config, Settings.of(s), Map.of("aegis.jobs.enabled", "false"));
        await("the webhook registered", Duration.ofSeconds(30),
                () -> count("SELECT count(*) FROM webhook_subscriptions WHERE status = 'active'") == 1);
    }

    @AfterAll
    static void tearDown() {
        if (app != null) {
            app.close();
        }
        sim.close();
        schema.drop();
    }

    @Test
    void aTaskAssignedToTheSecondBotIsAnsweredByThatBotWithItsPersona() throws Exception {
        String gid = person.createTask(Map.of("project", project, "name", "Review the release checklist",
                "assignee", reviewerBot));
        await("the reviewer's answer", Duration.ofSeconds(30), () -> !answers(gid).isEmpty());
        List<Map<String, Object>> answers = answers(gid);
        assertThat(answers).hasSize(1);
        Map<String, Object> answer = answers.get(0);
        assertThat(authorOf(answer)).as("authored by the bot that was asked").isEqualTo(reviewerBot);
        // The command agent echoed its stdin: the persona reached the (system part of the) prompt.
        assertThat((String) answer.get("text")).contains(PERSONA).contains("Task: Review the release checklist");
        List<Exec> runs = executions(gid);
        assertThat(runs).singleElement().satisfies(e -> {
            assertThat(e.bot()).isEqualTo("reviewer");
            assertThat(e.agentType()).as("the bot's own kind").isEqualTo("command");
            assertThat(e.kind()).isEqualTo("initial");
        });
        await("completed by the reviewer", Duration.ofSeconds(10), () -> Boolean.TRUE.equals(person.task(gid).get("completed")));
        assertThat(person.stories(gid)).filteredOn(st -> "marked_complete".equals(st.get("resource_subtype")))
                .singleElement().satisfies(st -> assertThat(authorOf(st)).isEqualTo(reviewerBot));
    }

    @Test
    void aMentionOfTheFirstBotOnAPersonsTaskGetsOneReplyAndChangesNothing() throws Exception {
        String gid = person.createTask(Map.of("project", project, "name", "Plan the offsite", "assignee", human));
        List<Object> systemBefore = systemStories(gid);
        person.comment(gid, "what do you think of Lisbon?", human, List.of(aegisBot));
        await("the reply", Duration.ofSeconds(30), () -> !answers(gid).isEmpty());
        Thread.sleep(1500);
        List<Map<String, Object>> answers = answers(gid);
        assertThat(answers).as("exactly one reply").hasSize(1);
        assertThat(authorOf(answers.get(0))).isEqualTo(aegisBot);
        assertThat(executions(gid)).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo("mention");
            assertThat(e.bot()).isEqualTo("aegis");
            assertThat(e.status()).isEqualTo("completed");
        });
        Map<String, Object> task = person.task(gid);
        assertThat(task.get("completed")).isEqualTo(false);
        @SuppressWarnings("unchecked")
        Map<String, Object> assignee = (Map<String, Object>) task.get("assignee");
        assertThat(assignee.get("gid")).as("still the person's").isEqualTo(human);
        assertThat(systemStories(gid)).as("no completion, move or reassignment").isEqualTo(systemBefore);
    }

    @Test
    void aDuplicatedWebhookOfTheSameMentionStartsOneRun() throws Exception {
        String gid = person.createTask(Map.of("project", project, "name", "Pick a venue", "assignee", human));
        long deliveriesBefore = count("SELECT count(*) FROM webhooks");
        person.faults(Map.of("duplicateWebhooks", 1.0));
        Map<String, Object> comment;
        try {
            comment = person.comment(gid, "please compare the two venues", human, List.of(reviewerBot));
            await("the reply", Duration.ofSeconds(30), () -> !answers(gid).isEmpty());
            Thread.sleep(1500);
        } finally {
            person.faults(Map.of("duplicateWebhooks", 0.0));
        }
        assertThat(count("SELECT count(*) FROM webhooks") - deliveriesBefore)
                .as("every delivery arrived twice").isGreaterThanOrEqualTo(2);
        assertThat(answers(gid)).singleElement().satisfies(a -> assertThat(authorOf(a)).isEqualTo(reviewerBot));
        assertThat(executions(gid)).singleElement().satisfies(e -> assertThat(e.kind()).isEqualTo("mention"));
        // However often the comment comes again, the database takes one run per comment and bot.
        long taskId = count("SELECT id FROM tasks WHERE asana_gid = '" + gid + "'");
        assertThat(app.context().getBean(Enqueuer.class).mention(taskId, (String) comment.get("gid"), human,
                reviewerBot)).isEmpty();
        assertThat(executions(gid)).hasSize(1);
    }

    @Test
    void aMentionInsideABotsOwnCommentStartsNothing() throws Exception {
        String gid = person.createTask(Map.of("project", project, "name", "Draft the agenda", "assignee", human));
        // The reviewer writes through the API with its own token, mentioning the other bot.
        Map<String, Object> own = person.commentAs(reviewerToken, gid, "<body><a data-asana-gid=\"" + aegisBot
                + "\" data-asana-type=\"user\" data-asana-accessible=\"true\">@Aegis Bot</a> over to you</body>");
        assertThat(authorOf(own)).as("the simulator authors it as the token's user").isEqualTo(reviewerBot);
        // A person's plain comment brings the thread, the bot's comment included, into the mirror.
        person.comment(gid, "noted", human);
        await("both comments mirrored", Duration.ofSeconds(30), () -> count("SELECT count(*) FROM comments c "
                + "JOIN tasks t ON t.id = c.task_id WHERE t.asana_gid = '" + gid + "'") == 2);
        Thread.sleep(1500);
        assertThat(count("SELECT count(*) FROM comments WHERE asana_gid = '" + own.get("gid") + "' AND is_from_bot"))
                .isEqualTo(1);
        assertThat(executions(gid)).isEmpty();
        assertThat(answers(gid)).isEmpty();
    }

    @Test
    void aMentionWhoseSignalWasLostIsFoundByTheReconciler() throws Exception {
        String gid = person.createTask(Map.of("project", project, "name", "Book the train", "assignee", human));
        await("the task mirrored", Duration.ofSeconds(30),
                () -> count("SELECT count(*) FROM tasks WHERE asana_gid = '" + gid + "'") == 1);
        // The comment reached the mirror but its signal did not (a crash between commit and publish).
        try (Connection c = schema.connect(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO comments (asana_gid, task_id, author_gid, author_name, text, html_text, asana_created_at)
                SELECT ?, id, ?, 'Dana Person', '@Aegis Bot which train?', ?, now() FROM tasks WHERE asana_gid = ?""")) {
            ps.setString(1, "9" + gid);
            ps.setString(2, human);
            ps.setString(3, "<body><a data-asana-gid=\"" + aegisBot + "\" data-asana-type=\"user\">@Aegis Bot</a> "
                    + "which train?</body>");
            ps.setString(4, gid);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        Reconciler reconciler = app.context().getBean(Reconciler.class);
        assertThat(reconciler.reconcile()).isEqualTo(1);
        assertThat(reconciler.reconcile()).as("once per comment and bot").isZero();
        await("the reply", Duration.ofSeconds(30), () -> !answers(gid).isEmpty());
        assertThat(executions(gid)).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo("mention");
            assertThat(e.bot()).isEqualTo("aegis");
        });
    }

    /** The subtypes of the task's stories other than comments. */
    private static List<Object> systemStories(String gid) {
        return person.stories(gid).stream().map(st -> st.get("resource_subtype"))
                .filter(t -> !"comment_added".equals(t)).toList();
    }

    @SuppressWarnings("unchecked")
    private static String authorOf(Map<String, Object> story) {
        return (String) ((Map<String, Object>) story.get("created_by")).get("gid");
    }

    /** The task's answers: comments ending with an execution's marker. */
    private static List<Map<String, Object>> answers(String gid) {
        return person.stories(gid).stream().filter(s -> "comment_added".equals(s.get("resource_subtype")))
                .filter(s -> String.valueOf(s.get("text")).contains("— Aegis · run ")).toList();
    }

    record Exec(long id, String kind, String bot, String agentType, String status) {
    }

    private static List<Exec> executions(String gid) {
        try (Connection c = schema.connect(); PreparedStatement ps = c.prepareStatement("""
                SELECT e.id, e.kind, e.bot, e.agent_type, e.status FROM task_executions e
                  JOIN tasks t ON t.id = e.task_id WHERE t.asana_gid = ? ORDER BY e.id""")) {
            ps.setString(1, gid);
            List<Exec> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Exec(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
                }
            }
            return out;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(String sql) {
        try (Connection c = schema.connect(); var st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
