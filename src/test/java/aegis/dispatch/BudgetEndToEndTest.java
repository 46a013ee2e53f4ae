package aegis.dispatch;

import static aegis.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.cli.Main;
import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.sim.AsanaSimulator;
import aegis.sim.FakeLlmServer;
import aegis.sim.SimOptions;
import aegis.sync.TaskSignal;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
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
 * Spending caps end to end: the LLM agent against the fake LLM, answers in the simulator over
 * HTTP, two workers, the caps changed with {@code aegis budget set} as an operator does. The
 * mirror rows and signals are written as sync writes them (as in {@link DispatchEndToEndTest}).
 */
class BudgetEndToEndTest {
    private static final String HELD_MARKER = "— Aegis · budget hold of run ";
    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static FakeLlmServer llm;
    private static SimHttp person;
    private static Map<String, Object> world;
    private static String bot;
    private static String human;
    private static String project;

    @BeforeAll
    static void setUp() throws Exception {
        schema = TestDatabase.freshSchema("budget_e2e");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        llm = FakeLlmServer.start(0);
        person = new SimHttp(sim.rootUrl());
        world = person.reset(Map.of("seed", "empty", "projects", 1, "tasksPerProject", 0));
        bot = (String) world.get("botUser");
        human = (String) world.get("humanUser");
        @SuppressWarnings("unchecked")
        List<String> projects = (List<String>) world.get("projects");
        project = projects.get(0);
    }

    @AfterAll
    static void tearDown() {
        llm.close();
        sim.close();
        schema.drop();
    }

    private static TestApp app() {
        AegisConfig config = new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(),
                (String) world.get("token"), (String) world.get("workspace"), Optional.empty(),
                List.of(project), 1500), Optional.empty(), 0);
        Map<String, Object> s = new HashMap<>();
        s.put("AEGIS_DEFAULT_AGENT", "llm");
        s.put("AEGIS_AGENT_WORKERS", "2");
        s.put("AEGIS_TEST_LLM_KEY", "any-key");
        s.put("AEGIS_DISPATCH_BACKOFF_SECONDS", "1");
        // Every run the same prompt, so the same cost: earlier answers recalled into later prompts would grow them.
        s.put("AEGIS_MEMORY_ITEMS", "0");
        s.put("agents", Map.of("llm", Map.of("provider", "anthropic", "base_url", llm.anthropicBaseUrl().toString(),
                "model", "fake-model", "api_key_env", "AEGIS_TEST_LLM_KEY",
                "prices", Map.of("fake-model", Map.of("input_per_mtok", 300, "output_per_mtok", 1500)))));
        return TestApp.start(config, Settings.of(s), Map.of("aegis.sync.enabled", "false",
                "aegis.webhooks.enabled", "false", "aegis.jobs.enabled", "false"));
    }

    /** A person assigns a new task to the bot; sync's part done as sync does it. Returns {task id, gid}. */
    private static String[] assign(TestApp app, String name) throws Exception {
        String gid = person.createTask(Map.of("project", project, "name", name, "assignee", bot));
        long taskId;
        try (Connection c = schema.connect()) {
            taskId = Mirror.task(c, Mirror.project(c, project), gid, name, bot);
        }
        app.context().getEventPublisher(TaskSignal.class).publishEvent(new TaskSignal.AssignedToBot(taskId, gid, human));
        return new String[] {String.valueOf(taskId), gid};
    }

    /** {@code aegis} run as an operator runs it, on this test's database. */
    private static String cli(String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("AEGIS_DATABASE_URL", schema.database().url());
        env.put("AEGIS_DATABASE_USER", schema.database().user());
        env.put("AEGIS_DATABASE_PASSWORD", schema.database().password());
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.execute(Settings.of(env), args)).as("aegis " + String.join(" ", args)).isZero();
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            System.setOut(old);
        }
    }

    private static Map<String, Long> statusOfTasks(List<String[]> tasks) {
        Map<String, Long> counts = new HashMap<>();
        for (String[] t : tasks) {
            counts.merge(query("SELECT status FROM task_executions WHERE task_id = " + t[0]), 1L, Long::sum);
        }
        return counts;
    }

    private static String query(String sql) {
        try (Connection c = schema.connect(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aCapHoldsTheRestWithOneNoticeEachAndRaisingItAnswersThem() throws Exception {
        try (TestApp app = app()) {
            // One run with no cap: what an execution costs (every task name below has the same length).
            String[] first = assign(app, "Budget task 0");
            await("the first answer", Duration.ofSeconds(20),
                    () -> "completed".equals(query("SELECT status FROM task_executions WHERE task_id = " + first[0])));
            BigDecimal each = new BigDecimal(query("SELECT cost_usd FROM task_executions WHERE task_id = " + first[0]));
            assertThat(each).isPositive();
            assertThat(new BigDecimal(query("SELECT sum(usd) FROM budget_transactions"))).as("the ledger has the charge")
                    .isEqualByComparingTo(each);

            // The cap leaves three executions' worth for today.
            BigDecimal cap = each.multiply(BigDecimal.valueOf(4));
            cli("budget", "set", "global", "day", cap.toPlainString());
            List<String[]> tasks = new ArrayList<>();
            for (int i = 1; i <= 6; i++) {
                tasks.add(assign(app, "Budget task " + i));
            }
            await("three answers and three held", Duration.ofSeconds(40),
                    () -> statusOfTasks(tasks).equals(Map.of("completed", 3L, "held", 3L))
                            && "0".equals(query("SELECT count(*) FROM task_executions WHERE status = 'held'"
                            + " AND (context->'budget_hold'->>'quiet')::boolean")));
            // A few release passes later nothing has moved, and nothing was said twice.
            Thread.sleep(5000);
            assertThat(statusOfTasks(tasks)).isEqualTo(Map.of("completed", 3L, "held", 3L));
            for (String[] t : tasks) {
                String status = query("SELECT status FROM task_executions WHERE task_id = " + t[0]);
                String id = query("SELECT id FROM task_executions WHERE task_id = " + t[0]);
                List<String> notices = person.commentsContaining(t[1], HELD_MARKER + id);
                List<String> answers = person.commentsContaining(t[1], Execution.marker(Long.parseLong(id)));
                if (status.equals("held")) {
                    assertThat(notices).as("one budget notice on a held task").hasSize(1);
                    assertThat(notices.get(0)).contains("global/day").contains("aegis budget set");
                    // The notice's marker contains "run N" but not the answer's marker.
                    assertThat(answers).as("no answer yet").isEmpty();
                } else {
                    assertThat(notices).isEmpty();
                    assertThat(answers).hasSize(1);
                }
            }
            assertThat(new BigDecimal(query("SELECT sum(usd) FROM budget_transactions"))).as("never over the cap")
                    .isLessThanOrEqualTo(cap);
            assertThat(llm.requestCount()).as("the LLM was called for admitted runs only").isEqualTo(4);
            assertThat(cli("budget")).contains("global").contains("day")
                    .contains(cap.stripTrailingZeros().toPlainString());
            assertThat(cli("status")).contains("global/day: $").contains("3 held");

            // Raising the cap answers the other three, each still told once that it waited.
            cli("budget", "set", "global", "day", each.multiply(BigDecimal.valueOf(10)).toPlainString());
            await("all six answered", Duration.ofSeconds(30),
                    () -> statusOfTasks(tasks).equals(Map.of("completed", 6L)));
            for (String[] t : tasks) {
                String id = query("SELECT id FROM task_executions WHERE task_id = " + t[0]);
                assertThat(person.commentsContaining(t[1], Execution.marker(Long.parseLong(id)))).hasSize(1);
                assertThat(person.commentsContaining(t[1], HELD_MARKER).size()).isLessThanOrEqualTo(1);
            }
            assertThat(tasks.stream().filter(t -> !person.commentsContaining(t[1], HELD_MARKER).isEmpty()).count())
                    .isEqualTo(3);
            assertThat(query("SELECT count(*) FROM budget_transactions")).isEqualTo("7");
            assertThat(query("SELECT max(attempt) FROM task_executions")).as("a hold is not an attempt").isEqualTo("1");
            assertThat(query("SELECT count(*) FROM audit_log WHERE action = 'budget.set'")).as("both changes audited")
                    .isEqualTo("2");
        }
    }
}
