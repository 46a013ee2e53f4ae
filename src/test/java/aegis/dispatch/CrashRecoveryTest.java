package aegis.dispatch;

import aegis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A daemon ({@code aegis run} in a child JVM) killed with SIGKILL mid-execution: the next
 * daemon rescues the execution once its lease expires and answers exactly once.
 */
class CrashRecoveryTest {
    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static SimHttp person;
    private static Map<String, Object> world;

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("dispatch_crash");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        person = new SimHttp(sim.rootUrl());
        world = person.reset(Map.of("seed", "empty", "projects", 1, "tasksPerProject", 0));
    }

    @AfterAll
    static void tearDown() {
        sim.close();
        schema.drop();
    }

    private static Process daemon(String name) throws Exception {
        return ChildDaemon.start(name, schema, sim, world, Map.of("AEGIS_ECHO_DELAY_MS", "4000",
                "AEGIS_DEFAULT_AGENT", "echo"), "crash-" + name + ".log");
    }

    @SuppressWarnings("unchecked")
    private static List<String> projects() {
        return (List<String>) world.get("projects");
    }

    private static String query(String sql) {
        try (Connection c = schema.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(String what, Duration max, BooleanSupplier ok) throws InterruptedException {
        Eventually.await(what + " (see target/crash-*.log)", max, ok);
    }

    @Test
    void aKilledDaemonsExecutionIsRescuedAndAnsweredOnce() throws Exception {
        String bot = (String) world.get("botUser");
        String gid = person.createTask(Map.of("project", projects().get(0), "name", "Survive the crash",
                "assignee", bot));
        try (Connection c = schema.connect()) {
            Mirror.task(c, Mirror.project(c, projects().get(0)), gid, "Survive the crash", bot);
        }

        Process first = daemon("first");
        try {
            await("the first daemon to start the agent", Duration.ofSeconds(60),
                    () -> "1".equals(query("SELECT count(*) FROM agent_events WHERE event_type = 'process_started'")));
        } finally {
            first.destroyForcibly();
            assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(query("SELECT status || '/' || split_part(lease_owner, ':', 1) FROM task_executions"))
                .isEqualTo("running/first");
        assertThat(person.commentsContaining(gid, "— Aegis")).isEmpty();

        Process second = daemon("second");
        try {
            await("the rescued execution to finish", Duration.ofSeconds(60),
                    () -> "completed".equals(query("SELECT status FROM task_executions")));
            String id = query("SELECT id FROM task_executions");
            assertThat(query("SELECT attempt FROM task_executions")).isEqualTo("2");
            assertThat(query("SELECT count(*) FROM task_executions")).isEqualTo("1");
            assertThat(person.commentsContaining(gid, Execution.marker(Long.parseLong(id)))).hasSize(1);
            assertThat(person.commentsContaining(gid, "— Aegis")).hasSize(1);
            assertThat(person.task(gid).get("completed")).isEqualTo(true);
            assertThat(query("SELECT status FROM agents WHERE instance_id = 'first'")).isEqualTo("stopped");
        } finally {
            second.destroy();
            assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(second.exitValue()).isZero();
        assertThat(query("SELECT count(*) FROM agents WHERE instance_id = 'second' AND status <> 'stopped'"))
                .as("SIGTERM stops the pool cleanly").isEqualTo("0");
    }
}
