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
import aegis.workspace.GitFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * {@code projects.<gid>.allowed_agents} end to end, with the simulator over HTTP: a tag may only
 * pick a kind the project allows. Anyone who can write an Asana task can tag it, so a task tagged
 * {@code aegis:command} in a project limited to llm and echo must never start the configured
 * coding CLI; it fails with a comment telling the operator which setting allows it. A tag naming
 * an allowed kind runs.
 */
class AllowedAgentsEndToEndTest {
    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static SimHttp person;
    private static Map<String, Object> world;
    private static String bot;
    private static String human;
    private static String project;
    private static Path dir;
    private static Path marker;
    private static Path agent;

    @BeforeAll
    static void setUp() throws Exception {
        schema = TestDatabase.freshSchema("allowed_agents_e2e");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        person = new SimHttp(sim.rootUrl());
        world = person.reset(Map.of("seed", "empty", "projects", 1, "tasksPerProject", 0));
        bot = (String) world.get("botUser");
        human = (String) world.get("humanUser");
        @SuppressWarnings("unchecked")
        List<String> projects = (List<String>) world.get("projects");
        project = projects.get(0);
        dir = GitFixtures.dir("allowed-agents");
        marker = dir.resolve("command-agent-ran");
        // A configured command agent that leaves a mark if it ever starts; sandbox: none so this
        // test is about the rule alone, not about bwrap.
        agent = GitFixtures.script(dir, "agent.sh", "cat > /dev/null\ntouch '" + marker + "'\necho 'ran'");
    }

    @AfterAll
    static void tearDown() {
        if (sim != null) {
            sim.close();
        }
        if (schema != null) {
            schema.drop();
        }
    }

    private static TestApp start() {
        AegisConfig config = new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(),
                (String) world.get("token"), (String) world.get("workspace"), Optional.empty(), List.of(project), 1500),
                Optional.empty(), 0);
        Map<String, Object> s = new HashMap<>();
        s.put("AEGIS_DISPATCH_BACKOFF_SECONDS", "1");
        s.put("AEGIS_WORKSPACES_DIR", dir.resolve("workspaces").toString());
        s.put("projects", Map.of(project, Map.of("agent", "echo", "allowed_agents", List.of("llm", "echo"),
                "code_path", dir.toString())));
        s.put("agents", Map.of("command", Map.of("argv", List.of(agent.toString()), "sandbox", "none",
                "timeout", "30s")));
        return TestApp.start(config, Settings.of(s), Map.of("aegis.sync.enabled", "false",
                "aegis.webhooks.enabled", "false", "aegis.jobs.enabled", "false"));
    }

    /** A person creates and assigns a task in the simulator; the mirror holds it with this tag. */
    private static long[] assign(TestApp app, String name, String tag) throws Exception {
        String gid = person.createTask(Map.of("project", project, "name", name, "assignee", bot));
        long taskId;
        try (Connection c = schema.connect()) {
            // One transaction: the daemon's reconciler must never see the task without its tag.
            c.setAutoCommit(false);
            taskId = Mirror.task(c, Mirror.project(c, project), gid, name, bot);
            // The simulator has no tags yet: the mirror is given what sync would write for a tagged task.
            try (PreparedStatement ps = c.prepareStatement("UPDATE tasks SET tags = ?::jsonb WHERE id = ?")) {
                ps.setString(1, "[{\"gid\": \"77" + taskId + "\", \"name\": \"" + tag + "\"}]");
                ps.setLong(2, taskId);
                ps.executeUpdate();
            }
            c.commit();
        }
        app.context().getEventPublisher(TaskSignal.class).publishEvent(new TaskSignal.AssignedToBot(taskId, gid, human));
        return new long[] {taskId, Long.parseLong(gid)};
    }

    private static String execution(long taskId) {
        try (Connection c = schema.connect(); var st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT agent_type || ' ' || status || ' ' || coalesce(outcome, '-') "
                     + "FROM task_executions WHERE task_id = " + taskId + " ORDER BY id")) {
            return rs.next() ? rs.getString(1) : "";
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aTagMayOnlyPickAKindTheProjectAllows() throws Exception {
        try (TestApp app = start()) {
            long[] forbidden = assign(app, "Refactor the billing module", "aegis:command");
            long[] allowed = assign(app, "Say hello", "aegis:echo");
            await("both executions finished", Duration.ofSeconds(30), () ->
                    List.of("completed", "failed", "cancelled").contains(execution(forbidden[0]).split(" ")[1])
                            && execution(allowed[0]).startsWith("echo completed"));

            assertThat(execution(forbidden[0])).startsWith("command failed");
            List<String> refusal = person.commentsContaining(String.valueOf(forbidden[1]), "allowed_agents");
            assertThat(refusal).as("the comment on the forbidden task").hasSize(1);
            assertThat(refusal.get(0)).contains("projects." + project + ".allowed_agents")
                    .contains("'command'").contains("[echo, llm]");
            assertThat(marker).as("the command agent never started").doesNotExist();

            assertThat(person.commentsContaining(String.valueOf(allowed[1]), "— Aegis · run"))
                    .as("the echo-tagged task's answer").hasSize(1);
            assertThat(person.commentsContaining(String.valueOf(allowed[1]), "allowed_agents")).isEmpty();
        }
        assertThat(Files.exists(marker)).isFalse();
    }
}
