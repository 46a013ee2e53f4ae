package aegis.dispatch;

import static aegis.testing.Eventually.freePort;
import static aegis.testing.Eventually.await;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole product path, nothing written on the daemon's behalf: a person assigns a task to
 * the bot in the simulator; Asana's webhook reaches the daemon's receiver, sync mirrors the
 * task and raises the signal, dispatch runs the echo agent, and the answer appears in the
 * simulator — then a person's follow-up comment takes the same road to a second answer.
 */
class ProductPathTest {
    private static final String KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    private TestDatabase.Schema schema;
    private AsanaSimulator sim;
    private SimHttp person;
    private String bot;
    private String human;
    private String project;
    private TestApp app;

    @BeforeEach
    void setUp() {
        schema = TestDatabase.freshSchema("product_path");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        person = new SimHttp(sim.rootUrl());
        Map<String, Object> world = person.reset(Map.of("seed", "empty", "projects", 1, "tasksPerProject", 0));
        bot = (String) world.get("botUser");
        human = (String) world.get("humanUser");
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
        // Done moves the task to a section, so it stays open for the follow-up.
        s.put("projects", Map.of(project, Map.of("on_done", "section:Done")));
        app = TestApp.start(config, Settings.of(s), Map.of("aegis.jobs.enabled", "false"));
    }

    @AfterEach
    void tearDown() {
        if (app != null) {
            app.close();
        }
        sim.close();
        schema.drop();
    }

    @Test
    void assignmentInAsanaIsAnsweredInAsanaThroughWebhookSyncAndDispatch() throws Exception {
        await("the webhook registered", Duration.ofSeconds(30),
                () -> count("SELECT count(*) FROM webhook_subscriptions WHERE status = 'active'") == 1);
        sim.requests().clear();

        String gid = person.createTask(Map.of("project", project, "name", "Summarise the quarterly numbers",
                "assignee", bot));
        await("the answer in Asana", Duration.ofSeconds(20), () -> !person.commentsContaining(gid, "— Aegis · run ").isEmpty()
                && String.valueOf(person.task(gid).get("memberships")).contains("Done"));
        List<long[]> runs = executions(gid);
        assertThat(runs).hasSize(1);
        List<String> answers = person.commentsContaining(gid, Execution.marker(runs.get(0)[0]));
        assertThat(answers).hasSize(1);
        assertThat(answers.get(0)).contains("Echo: Summarise the quarterly numbers");
        // It came by webhook: with the periodic jobs off (no events poll, no reconcile) the receiver's
        // deliveries are the only road from Asana to the daemon.
        assertThat(count("SELECT count(*) FROM webhooks WHERE status = 'processed'")).isPositive();
        assertThat(sim.requests().count("GET", "/events")).isZero();
        assertThat(person.task(gid).get("completed")).isEqualTo(false);

        person.comment(gid, "Please add the numbers for March", human);
        await("the follow-up answer", Duration.ofSeconds(20), () -> person.commentsContaining(gid, "— Aegis · run ").size() == 2);
        runs = executions(gid);
        assertThat(runs).hasSize(2);
        List<String> second = person.commentsContaining(gid, Execution.marker(runs.get(1)[0]));
        assertThat(second).hasSize(1);
        assertThat(second.get(0)).contains("Please add the numbers for March");
        Thread.sleep(500);
        assertThat(person.commentsContaining(gid, "— Aegis · run ")).as("answered once per request").hasSize(2);
    }

    /** The task's executions: id and whether it completed (1) or not (0), oldest first. */
    private List<long[]> executions(String gid) throws Exception {
        try (Connection c = schema.connect(); PreparedStatement ps = c.prepareStatement("""
                SELECT e.id, CASE WHEN e.status = 'completed' THEN 1 ELSE 0 END FROM task_executions e
                  JOIN tasks t ON t.id = e.task_id WHERE t.asana_gid = ? ORDER BY e.id""")) {
            ps.setString(1, gid);
            List<long[]> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new long[] {rs.getLong(1), rs.getLong(2)});
                }
            }
            return out;
        }
    }

    private long count(String sql) {
        try (Connection c = schema.connect(); var st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

}
