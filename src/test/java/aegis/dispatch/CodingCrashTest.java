package aegis.dispatch;

import static aegis.workspace.GitFixtures.git;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.testing.Eventually;
import aegis.testing.TestDatabase;
import aegis.workspace.GitFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A daemon ({@code aegis run} in a child JVM) SIGKILLed while its coding agent works in a task's
 * worktree; a second instance rescues the execution. The agent holds a lock file in the worktree
 * for its whole run, so a second run while the first still lived would say OVERLAP; the first
 * run's uncommitted work is committed by the rescuing run, not lost.
 */
class CodingCrashTest {
    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static SimHttp person;
    private static Map<String, Object> world;
    private static Path dir;
    private static Path origin;
    private static Path config;

    @BeforeAll
    static void setUp() throws Exception {
        GitFixtures.requireGitAndBwrap();
        schema = TestDatabase.freshSchema("coding_crash");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        person = new SimHttp(sim.rootUrl());
        world = person.reset(Map.of("seed", "empty", "projects", 1, "tasksPerProject", 0));
        dir = GitFixtures.dir("coding-crash");
        origin = GitFixtures.origin(dir);
        Path agent = GitFixtures.script(dir, "agent.sh", """
                cat > /dev/null
                exec 9> .agent.lock
                flock -n 9 || { echo "OVERLAP: another run holds this worktree"; exit 0; }
                if [ ! -e started.txt ]; then
                  echo "first run" > started.txt
                  echo "partial work of the first run" > work.txt
                  sleep 300
                fi
                echo "work of the second run" >> work.txt
                echo "second run finished; found: $(cat started.txt)"
                """);
        config = dir.resolve("aegis.yaml");
        Files.writeString(config, """
                projects:
                  "%s":
                    agent: command
                    repo: %s
                    push: true
                    on_done: "section:Review"
                agents:
                  command:
                    argv: [%s]
                    timeout: 60s
                    kill_grace: 500ms
                """.formatted(projects().get(0), origin, agent));
    }

    @AfterAll
    static void tearDown() {
        sim.close();
        schema.drop();
    }

    @SuppressWarnings("unchecked")
    private static List<String> projects() {
        return (List<String>) world.get("projects");
    }

    private static Process daemon(String name) throws Exception {
        // A HOME of its own: the sandbox hides the daemon's HOME, which may hold this checkout (and the agent).
        Files.createDirectories(dir.resolve("home"));
        return ChildDaemon.start(name, schema, sim, world, Map.of("AEGIS_CONFIG", config.toString(),
                "AEGIS_WORKSPACES_DIR", dir.resolve("workspaces").toString(), "HOME", dir.resolve("home").toString()),
                "coding-crash-" + name + ".log");
    }

    private static String query(String sql) {
        try (Connection c = schema.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aKilledDaemonsCodingRunIsRescuedAloneInItsWorktreeAndItsWorkIsCommitted() throws Exception {
        String bot = (String) world.get("botUser");
        String gid = person.createTask(Map.of("project", projects().get(0), "name", "Survive the crash",
                "assignee", bot));
        try (Connection c = schema.connect()) {
            Mirror.task(c, Mirror.project(c, projects().get(0)), gid, "Survive the crash", bot);
        }
        Path worktree = dir.resolve("workspaces").resolve(projects().get(0)).resolve(gid);

        Process first = daemon("first");
        try {
            Eventually.await("the first run to start working (see target/coding-crash-first.log)",
                    Duration.ofSeconds(60), () -> Files.exists(worktree.resolve("work.txt")));
        } finally {
            first.destroyForcibly();
            assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(query("SELECT status FROM task_executions")).isEqualTo("running");

        Process second = daemon("second");
        try {
            Eventually.await("the rescued execution to finish (see target/coding-crash-second.log)",
                    Duration.ofSeconds(60), () -> "completed".equals(query("SELECT status FROM task_executions")));
        } finally {
            second.destroy();
            assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(query("SELECT attempt FROM task_executions")).isEqualTo("2");
        List<String> answers = person.commentsContaining(gid, "— Aegis");
        assertThat(answers).hasSize(1);
        String branch = query("SELECT branch FROM workspaces");
        assertThat(answers.get(0)).contains("second run finished; found: first run").doesNotContain("OVERLAP")
                .contains("Branch: " + branch).contains("work.txt +2 -0");
        assertThat(git(origin, "show", branch + ":work.txt"))
                .as("the killed run's work is in the pushed commit")
                .isEqualTo("partial work of the first run\nwork of the second run");
        assertThat(query("SELECT count(*) FROM workspaces WHERE lock_token IS NOT NULL")).isEqualTo("0");
    }
}
