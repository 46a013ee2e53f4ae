package aegis.dispatch;

import static aegis.testing.Eventually.await;
import static aegis.testing.Eventually.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.governance.ApprovalStage;
import aegis.governance.ApprovalTexts;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimFaults;
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
 * {@code before_run} on the whole product path, nothing written on the daemon's behalf: the
 * assignment and the person's comments reach the daemon by Asana's webhooks, each delivered twice
 * (the simulator duplicates every delivery), and go through the receiver and sync's mirror.
 */
class ApprovalProductPathTest {
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
        schema = TestDatabase.freshSchema("approval_product_path");
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
        s.put("projects", Map.of(project, Map.of("approval", "before_run", "on_done", "section:Done")));
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
    void anApprovalDeliveredTwiceStartsOneRun() throws Exception {
        await("the webhook registered", Duration.ofSeconds(30),
                () -> count("SELECT count(*) FROM webhook_subscriptions WHERE status = 'active'") == 1);
        sim.faults(new SimFaults(0, 0, 0, 0, 1.0, 1));

        String gid = person.createTask(Map.of("project", project, "name", "Plan the offsite", "assignee", bot));
        await("the approval request", Duration.ofSeconds(20),
                () -> !person.commentsContaining(gid, "— Aegis · approval to start run ").isEmpty());
        List<Long> runs = executions(gid);
        assertThat(runs).hasSize(1);
        long id = runs.get(0);
        assertThat(person.commentsContaining(gid, "Echo:")).as("no agent ran before approval").isEmpty();

        person.comment(gid, "approve", human);
        await("the answer", Duration.ofSeconds(20), () -> !person.commentsContaining(gid, Execution.marker(id)).isEmpty());
        // Let every duplicate delivery land and be processed before counting.
        await("the deliveries processed", Duration.ofSeconds(20),
                () -> count("SELECT count(*) FROM webhooks WHERE status NOT IN ('processed', 'failed')") == 0);
        Thread.sleep(1000);
        assertThat(count("SELECT count(*) FROM webhooks WHERE status = 'processed'"))
                .as("deliveries came twice").isGreaterThanOrEqualTo(4);
        assertThat(executions(gid)).containsExactly(id);
        assertThat(person.commentsContaining(gid, ApprovalTexts.marker(ApprovalStage.BEFORE_RUN, id))).hasSize(1);
        assertThat(person.commentsContaining(gid, "— Aegis · run ")).hasSize(1);
        assertThat(person.commentsContaining(gid, Execution.marker(id)).get(0)).contains("Echo: Plan the offsite");
        assertThat(count("SELECT count(*) FROM approvals WHERE status = 'approved'")).isEqualTo(1);
    }

    private List<Long> executions(String gid) throws Exception {
        try (Connection c = schema.connect(); PreparedStatement ps = c.prepareStatement("""
                SELECT e.id FROM task_executions e JOIN tasks t ON t.id = e.task_id WHERE t.asana_gid = ? ORDER BY e.id""")) {
            ps.setString(1, gid);
            List<Long> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
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
