package aegis.dispatch;

import aegis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.testing.TestDatabase;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
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
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", cp, "aegis.cli.Main", "run"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("AEGIS_") || k.startsWith("ASANA_"));
        env.put("AEGIS_DATABASE_URL", schema.database().url());
        env.put("AEGIS_DATABASE_USER", schema.database().user());
        env.put("AEGIS_DATABASE_PASSWORD", schema.database().password());
        env.put("ASANA_ACCESS_TOKEN", (String) world.get("token"));
        env.put("AEGIS_ASANA_BASE_URL", sim.baseUrl().toString());
        env.put("AEGIS_ASANA_WORKSPACE", (String) world.get("workspace"));
        env.put("AEGIS_ASANA_PROJECTS", String.join(",", projects()));
        env.put("AEGIS_HTTP_PORT", "0");
        env.put("AEGIS_ADMIN_PORT", String.valueOf(aegis.testing.Eventually.freePort()));
        env.put("AEGIS_ECHO_DELAY_MS", "4000");
        env.put("AEGIS_DEFAULT_AGENT", "echo");
        env.put("AEGIS_DISPATCH_LEASE_SECONDS", "3");
        env.put("AEGIS_DISPATCH_RENEW_SECONDS", "1");
        env.put("AEGIS_DISPATCH_BACKOFF_SECONDS", "0");
        env.put("AEGIS_DISPATCH_GRACE_SECONDS", "1");
        env.put("AEGIS_INSTANCE_ID", name);
        File log = Path.of("target", "crash-" + name + ".log").toFile();
        Files.createDirectories(log.toPath().getParent());
        pb.redirectErrorStream(true).redirectOutput(log);
        return pb.start();
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
