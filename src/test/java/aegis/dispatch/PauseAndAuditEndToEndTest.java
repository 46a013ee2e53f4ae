package aegis.dispatch;

import static aegis.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.cli.Main;
import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.governance.SystemStateRefresh;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.sync.TaskSignal;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Pause and the audit trail end to end: the operator's {@code aegis pause}/{@code resume}/{@code
 * audit} commands on the daemon's database, the daemon answering through the simulator over
 * HTTP with the echo agent. The last test reads the audit trail of everything the others did.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PauseAndAuditEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static SimHttp person;
    private static String bot;
    private static String human;
    private static String projectA;
    private static String projectB;
    private static TestApp app;
    private static final List<String> tasksTouched = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("pause_audit");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        person = new SimHttp(sim.rootUrl());
        Map<String, Object> world = person.reset(Map.of("seed", "empty", "projects", 2, "tasksPerProject", 0));
        bot = (String) world.get("botUser");
        human = (String) world.get("humanUser");
        @SuppressWarnings("unchecked")
        List<String> projects = (List<String>) world.get("projects");
        projectA = projects.get(0);
        projectB = projects.get(1);
        AegisConfig config = new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(),
                (String) world.get("token"), (String) world.get("workspace"), Optional.empty(),
                List.of(projectA, projectB), 1500), Optional.empty(), 0);
        Map<String, Object> s = new HashMap<>();
        // Long enough for a pause --now to find the run under way.
        s.put("AEGIS_ECHO_DELAY_MS", "1500");
        s.put("AEGIS_DISPATCH_LEASE_SECONDS", "5");
        s.put("AEGIS_DISPATCH_RENEW_SECONDS", "1");
        s.put("AEGIS_DISPATCH_POLL_MS", "200");
        s.put("AEGIS_DEFAULT_AGENT", "echo");
        app = TestApp.start(config, Settings.of(s), Map.of("aegis.sync.enabled", "false",
                "aegis.webhooks.enabled", "false", "aegis.jobs.enabled", "false"));
    }

    @AfterAll
    static void tearDown() {
        if (app != null) {
            app.close();
        }
        sim.close();
        schema.drop();
    }

    private record Cli(int code, String out) {
    }

    /** An operator's command on the daemon's database, as {@code bin/aegis} runs it. */
    private static Cli aegis(String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("AEGIS_DATABASE_URL", schema.database().url());
        env.put("AEGIS_DATABASE_USER", schema.database().user());
        env.put("AEGIS_DATABASE_PASSWORD", schema.database().password());
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            return new Cli(Main.execute(Settings.of(env), args), buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }

    /** A person assigns a new task to the bot; sync's part (rows, then the signal) done as sync does it. */
    private static long[] assign(String project, String name) throws Exception {
        String gid = person.createTask(Map.of("project", project, "name", name, "assignee", bot));
        long taskId;
        try (Connection c = schema.connect()) {
            taskId = Mirror.task(c, Mirror.project(c, project), gid, name, bot);
        }
        app.context().getEventPublisher(TaskSignal.class).publishEvent(new TaskSignal.AssignedToBot(taskId, gid, human));
        tasksTouched.add(gid);
        return new long[] {taskId, Long.parseLong(gid)};
    }

    private static String one(String sql) throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The task's one execution as status/attempt. */
    private static String execution(long taskId) throws Exception {
        return one("SELECT status || '/' || attempt FROM task_executions WHERE task_id = " + taskId);
    }

    private static List<String> answers(long[] t) {
        return person.commentsContaining(String.valueOf(t[1]), "— Aegis · run ");
    }

    private static JsonNode status() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(app.adminUri("/status")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    @Order(1)
    void anAssignmentMadeWhilePausedIsAnsweredOnlyAfterResume() throws Exception {
        Cli paused = aegis("pause", "--reason", "release freeze");
        assertThat(paused.code()).isZero();
        JsonNode st = status();
        assertThat(st.at("/orchestrator/status").asText()).isEqualTo("paused");
        assertThat(st.at("/pause/global/reason").asText()).isEqualTo("release freeze");
        assertThat(st.at("/pause/global/paused_by").asText()).isEqualTo("unix:" + System.getProperty("user.name"));
        assertThat(aegis("status").out()).contains("PAUSED:").contains("release freeze");

        long[] t = assign(projectA, "Draft the release notes");
        // The queue keeps filling while paused: the execution is there, waiting.
        await("the execution queued", Duration.ofSeconds(10), () -> "pending/0".equals(quiet(() -> execution(t[0]))));
        // Several backstop polls (200 ms) and the periodic state refresh: still nothing claimed.
        app.context().getBean(SystemStateRefresh.class).run();
        Thread.sleep(1500);
        assertThat(execution(t[0])).isEqualTo("pending/0");
        assertThat(answers(t)).isEmpty();
        assertThat(one("SELECT orchestrator_status FROM system_state")).as("the refresh keeps the pause")
                .isEqualTo("paused");

        Cli resumed = aegis("resume");
        assertThat(resumed.code()).isZero();
        assertThat(resumed.out()).contains("resumed");
        await("the answer after resume", Duration.ofSeconds(20), () -> answers(t).size() == 1);
        assertThat(answers(t).get(0)).contains("Echo: Draft the release notes");
        await("completed", Duration.ofSeconds(10), () -> "completed/1".equals(quiet(() -> execution(t[0]))));
        assertThat(status().at("/pause/global").isNull()).isTrue();
        assertThat(aegis("resume").out()).as("resuming twice changes nothing").contains("was not paused");
    }

    @Test
    @Order(2)
    void pausingOneProjectHoldsOnlyItsTasks() throws Exception {
        assertThat(aegis("pause", "--project", projectA, "--reason", "repo migration").code()).isZero();
        assertThat(status().at("/pause/projects/0/project_gid").asText()).isEqualTo(projectA);
        long[] held = assign(projectA, "Refactor the importer");
        long[] free = assign(projectB, "Summarise the roadmap");
        await("the other project's answer", Duration.ofSeconds(20), () -> answers(free).size() == 1);
        assertThat(execution(held[0])).isEqualTo("pending/0");
        assertThat(answers(held)).isEmpty();

        assertThat(aegis("resume", "--project", projectA).code()).isZero();
        await("the paused project's answer", Duration.ofSeconds(20), () -> answers(held).size() == 1);
        assertThat(aegis("pause", "--project", "not-a-gid").code()).as("a bad gid is refused").isEqualTo(2);
    }

    @Test
    @Order(3)
    void pauseNowStopsARunWhichRunsAgainAfterResumeUncounted() throws Exception {
        long[] t = assign(projectB, "Write the migration guide");
        await("the run under way", Duration.ofSeconds(10), () -> "running/1".equals(quiet(() -> execution(t[0]))));
        assertThat(aegis("pause", "--now", "--reason", "incident").code()).isZero();
        await("the run handed back", Duration.ofSeconds(10), () -> "pending/0".equals(quiet(() -> execution(t[0]))));
        assertThat(one("SELECT count(*) FROM agent_events e JOIN task_executions x ON x.id = e.execution_id "
                + "WHERE x.task_id = " + t[0] + " AND e.event_type = 'paused'")).isEqualTo("1");
        assertThat(one("SELECT coalesce(context->>'interruptions', '0') FROM task_executions WHERE task_id = " + t[0]))
                .as("a pause is no interruption").isEqualTo("0");
        Thread.sleep(2000);
        assertThat(answers(t)).as("the stopped run said nothing").isEmpty();
        assertThat(execution(t[0])).isEqualTo("pending/0");

        assertThat(aegis("resume").code()).isZero();
        await("the answer after resume", Duration.ofSeconds(20), () -> answers(t).size() == 1);
        await("completed as its first attempt", Duration.ofSeconds(10),
                () -> "completed/1".equals(quiet(() -> execution(t[0]))));
    }

    @Test
    @Order(4)
    void theAuditListsEveryCommentTheBotPostedAndTheOperatorsActions() throws Exception {
        assertThat(aegis("apikey", "create", "dashboard").code()).isZero();
        assertThat(aegis("apikey", "revoke", "dashboard").code()).isZero();
        Set<String> posted = new HashSet<>();
        for (String gid : tasksTouched) {
            for (Map<String, Object> story : person.stories(gid)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> by = (Map<String, Object>) story.get("created_by");
                if ("comment_added".equals(story.get("resource_subtype")) && by != null && bot.equals(by.get("gid"))) {
                    posted.add((String) story.get("gid"));
                }
            }
        }
        assertThat(posted).hasSize(4);
        await("the Asana writes recorded", Duration.ofSeconds(10),
                () -> quiet(() -> one("SELECT count(*) FROM audit_log WHERE action = 'comment'")).equals("4"));

        Cli json = aegis("audit", "--since", "1h", "--json");
        assertThat(json.code()).isZero();
        JsonNode all = JSON.readTree(json.out());
        Set<String> audited = new HashSet<>();
        List<String> operator = new ArrayList<>();
        for (JsonNode e : all) {
            if (e.get("action").asText().equals("comment")) {
                assertThat(e.get("result").asText()).isEqualTo("ok");
                assertThat(e.get("execution_id").isNumber()).as("a comment names its execution").isTrue();
                assertThat(e.get("method").asText()).isEqualTo("POST");
                audited.add(e.get("story_gid").asText());
            }
            if (e.get("category").asText().equals("operator")) {
                assertThat(e.get("actor").asText()).isEqualTo("unix:" + System.getProperty("user.name"));
                operator.add(e.get("action").asText() + " " + e.get("subject").asText());
            }
        }
        assertThat(audited).as("every comment the bot posted, and nothing else").isEqualTo(posted);
        assertThat(operator).containsSubsequence("pause all", "resume all", "resume all", "pause " + projectA,
                "resume " + projectA, "pause all", "resume all", "apikey.create dashboard", "apikey.revoke dashboard");
        assertThat(all.toString()).as("the key itself is never recorded").doesNotContain("aegis_");
        // The completions that followed each answer are there too.
        assertThat(all.findValuesAsText("action")).contains("complete");

        String task = tasksTouched.get(0);
        Cli oneTask = aegis("audit", "--task", task);
        assertThat(oneTask.out()).contains("/tasks/" + task + "/stories").doesNotContain("apikey.create");
        String exec = one("SELECT min(execution_id)::text FROM audit_log WHERE task_gid = '" + task + "'");
        assertThat(JSON.readTree(aegis("audit", "--execution", exec, "--json").out()).findValuesAsText("task_gid"))
                .isNotEmpty().allMatch(task::equals);
        assertThat(aegis("audit", "--since", "yesterday").code()).isEqualTo(2);

        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            assertThatThrownBy(() -> st.execute("UPDATE audit_log SET result = 'ok'"))
                    .hasMessageContaining("append-only");
        }
    }

    private interface Check<T> {
        T get() throws Exception;
    }

    private static <T> T quiet(Check<T> c) {
        try {
            return c.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
