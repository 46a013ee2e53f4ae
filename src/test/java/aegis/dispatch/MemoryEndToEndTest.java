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
import aegis.workspace.GitFixtures;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
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
 * Project memory through the whole product path, nothing written on the daemon's behalf: people
 * act in the simulator, Asana's webhooks reach the receiver, sync mirrors and signals, dispatch
 * stores, confirms and runs. The agent is a command that prints its stdin, so each answer shows
 * the prompt it was given. Each test has its own project: memory is per project.
 */
class MemoryEndToEndTest {
    private static final String KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    private static final String RUN = "— Aegis · run ";
    private static final String MEMORY = "— Aegis · memory ";

    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static SimHttp person;
    private static String bot;
    private static String human;
    private static List<String> projects;
    private static TestApp app;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void setUp() throws Exception {
        schema = TestDatabase.freshSchema("memory_e2e");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        person = new SimHttp(sim.rootUrl());
        Map<String, Object> world = person.reset(Map.of("seed", "empty", "projects", 2, "tasksPerProject", 0));
        bot = (String) world.get("botUser");
        human = (String) world.get("humanUser");
        projects = (List<String>) world.get("projects");
        Path dir = GitFixtures.dir("memory-e2e");
        Path echo = GitFixtures.script(dir, "echo-prompt.sh", "cat");
        int port = freePort();
        AegisConfig config = new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(),
                (String) world.get("token"), (String) world.get("workspace"), Optional.empty(), projects, 1500),
                Optional.of(URI.create("http://127.0.0.1:" + port)), port);
        Map<String, Object> s = new HashMap<>();
        s.put(SecretBox.SETTING, KEY);
        s.put("AEGIS_DEFAULT_AGENT", "command");
        s.put("AEGIS_WORKSPACES_DIR", dir.resolve("workspaces").toString());
        s.put("agents", Map.of("command", Map.of("argv", List.of(echo.toString()), "sandbox", "none",
                "timeout", "30s")));
        // Done moves the task to a section: it stays open and the bot's, so a later comment on it
        // would be a follow-up if it were taken for one.
        Map<String, Object> perProject = new HashMap<>();
        projects.forEach(p -> perProject.put(p, Map.of("on_done", "section:Done", "code_path", dir.toString())));
        s.put("projects", perProject);
        app = TestApp.start(config, Settings.of(s), Map.of("aegis.jobs.enabled", "false"));
        await("the webhooks registered", Duration.ofSeconds(30),
                () -> count("SELECT count(*) FROM webhook_subscriptions WHERE status = 'active'") == projects.size());
    }

    @AfterAll
    static void tearDown() {
        if (app != null) {
            app.close();
        }
        if (sim != null) {
            sim.close();
        }
        if (schema != null) {
            schema.drop();
        }
    }

    @Test
    void aRememberedFactReachesTheNextPromptAndIsConfirmedOnceEvenWhenDeliveredTwice() throws Exception {
        String project = projects.get(0);
        // A task of a person's, not the bot's: remember: counts on any tracked task.
        String notes = person.createTask(Map.of("project", project, "name", "Team conventions", "assignee", human));
        person.faults(Map.of("duplicateWebhooks", 1.0));
        try {
            person.comment(notes, "remember: our release day is Thursday", human);
            await("the confirmation", Duration.ofSeconds(20), () -> !person.commentsContaining(notes, MEMORY).isEmpty());
            Thread.sleep(1500);
        } finally {
            person.faults(Map.of("duplicateWebhooks", 0.0));
        }
        assertThat(count("SELECT count(*) - count(DISTINCT payload) FROM webhooks"))
                .as("deliveries did come twice").isPositive();
        List<String> replies = person.commentsContaining(notes, MEMORY);
        assertThat(replies).as("one short reply").hasSize(1);
        assertThat(replies.get(0)).startsWith("Remembered for ").contains(": our release day is Thursday");
        assertThat(replies.get(0).lines().count()).isLessThanOrEqualTo(3);
        assertThat(strings("SELECT body FROM memories WHERE kind = 'remembered'"))
                .containsExactly("our release day is Thursday");
        assertThat(executions(project)).as("a memory is not work").isZero();

        String ask = person.createTask(Map.of("project", project, "name", "When do we release?", "assignee", bot));
        await("the answer", Duration.ofSeconds(30), () -> !person.commentsContaining(ask, RUN).isEmpty());
        // The agent prints its stdin: the recorded result is the prompt (the comment is its rich-text rendering).
        String prompt = strings("SELECT e.result FROM task_executions e JOIN tasks t ON t.id = e.task_id "
                + "WHERE t.asana_gid = '" + ask + "'").get(0);
        assertThat(prompt).contains("Remembered in this project:\n- our release day is Thursday (");
        assertThat(prompt.indexOf("our release day is Thursday")).as("in the user part, after the task")
                .isGreaterThan(prompt.indexOf("Task: When do we release?"));

        // On the bot's own open task, remember: is stored and confirmed, and starts no follow-up run.
        person.comment(ask, "remember: releases go out from the main branch", human);
        await("the second confirmation", Duration.ofSeconds(20), () -> !person.commentsContaining(ask, MEMORY).isEmpty());
        Thread.sleep(1500);
        assertThat(person.commentsContaining(ask, RUN)).as("no follow-up").hasSize(1);
        assertThat(executions(project)).isEqualTo(1);
        assertThat(app.context().getBean(Reconciler.class).reconcile()).as("nor later, from the database").isZero();
    }

    @Test
    void earlierAnswersOfTheProjectAreRecalledByRelevance() throws Exception {
        String project = projects.get(1);
        String checklist = person.createTask(Map.of("project", project, "name", "Draft the launch checklist",
                "assignee", bot));
        await("the first answer", Duration.ofSeconds(30), () -> !person.commentsContaining(checklist, RUN).isEmpty());
        String plants = person.createTask(Map.of("project", project, "name", "Water the office plants",
                "assignee", bot));
        await("the second answer", Duration.ofSeconds(30), () -> !person.commentsContaining(plants, RUN).isEmpty());
        // Indexed off the worker's path: normally before the answer is posted, but not awaited by it.
        await("both answers indexed", Duration.ofSeconds(10), () -> count("SELECT count(*) FROM memories m "
                + "JOIN projects p ON p.id = m.project_id WHERE m.kind = 'answer' AND p.asana_gid = '" + project + "'") == 2);

        String ask = person.createTask(Map.of("project", project, "name", "Is the launch checklist ready?",
                "assignee", bot));
        await("the third answer", Duration.ofSeconds(30), () -> !person.commentsContaining(ask, RUN).isEmpty());
        // The agent prints its stdin: the recorded result is the prompt (the comment is its rich-text rendering).
        String prompt = strings("SELECT e.result FROM task_executions e JOIN tasks t ON t.id = e.task_id "
                + "WHERE t.asana_gid = '" + ask + "'").get(0);
        assertThat(prompt).contains("Earlier answers in this project:\n- \"Draft the launch checklist\" (");
        assertThat(prompt).as("an answer sharing no word with the task").doesNotContain("\"Water the office plants\"");
        assertThat(prompt).as("the other project's memory").doesNotContain("release day");
    }

    private static long count(String sql) {
        try (Connection c = schema.connect(); var st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long executions(String project) {
        return count("SELECT count(*) FROM task_executions e JOIN tasks t ON t.id = e.task_id "
                + "JOIN projects p ON p.id = t.project_id WHERE p.asana_gid = '" + project + "'");
    }

    private static List<String> strings(String sql) throws Exception {
        return schema.strings(sql);
    }
}
