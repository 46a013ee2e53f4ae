package aegis.cli;

import static aegis.workspace.GitFixtures.git;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.Settings;
import aegis.dispatch.Mirror;
import aegis.testing.TestDatabase;
import aegis.workspace.GitFixtures;
import aegis.workspace.Sandbox;
import aegis.workspace.SandboxPolicy;
import aegis.workspace.WorkspaceSettings;
import aegis.workspace.WorkspaceStore;
import aegis.workspace.Workspaces;
import aegis.workspace.Worktree;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code aegis workspaces list|prune} as an operator runs them, on real git worktrees and a real
 * database: the list shows task, branch, size and last use; prune removes the worktrees of
 * completed or deleted tasks and those idle past AEGIS_RETENTION_WORKSPACES_DAYS, and keeps
 * every branch (the work is never lost).
 */
class WorkspacesCommandTest {
    private static final String PROJECT = "9100";
    private static TestDatabase.Schema schema;
    private static Path dir;
    private static Path origin;

    @BeforeAll
    static void setUp() throws Exception {
        GitFixtures.requireGitAndBwrap();
        schema = TestDatabase.freshSchema("workspaces_cli");
        dir = GitFixtures.dir("workspaces-cli");
        origin = GitFixtures.origin(dir);
    }

    @AfterAll
    static void tearDown() {
        if (schema != null) {
            schema.drop();
        }
    }

    private static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("AEGIS_DATABASE_URL", schema.database().url());
        env.put("AEGIS_DATABASE_USER", schema.database().user());
        env.put("AEGIS_DATABASE_PASSWORD", schema.database().password());
        env.put("AEGIS_WORKSPACES_DIR", dir.resolve("workspaces").toString());
        env.put("AEGIS_RETENTION_WORKSPACES_DAYS", "3");
        return env;
    }

    private record Run(int code, String out) {
    }

    private static Run run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = Main.execute(Settings.of(env()), args);
            return new Run(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }

    private static void sql(String statement) throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private static String query(String sql) throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void listShowsEachWorktreeAndPruneRemovesDoneAndIdleOnesButKeepsTheirBranches() throws Exception {
        Settings settings = Settings.of(env());
        WorkspaceSettings ws = WorkspaceSettings.from(settings);
        WorkspaceStore store = new WorkspaceStore(DirectDatabase.open(settings));
        Workspaces workspaces = new Workspaces(ws, store, new Sandbox(ws, Sandbox.findBwrap(System.getenv("PATH"))),
                Map.of("PATH", System.getenv("PATH")));
        // Four tasks with a worktree each, made as a run makes them; then their fates differ.
        Map<String, Worktree> trees = new LinkedHashMap<>();
        long n = 0;
        for (String name : List.of("done", "deleted", "idle", "fresh")) {
            String gid = String.valueOf(9200 + n);
            long taskId;
            try (Connection c = schema.connect()) {
                taskId = Mirror.task(c, Mirror.project(c, PROJECT), gid, "Task " + name, "bot");
            }
            Workspaces.Opened opened = workspaces.open(new Workspaces.TaskRef(taskId, PROJECT, gid, "Task " + name,
                    ++n, "lease-" + n), new Workspaces.Source(origin.toString(), Optional.empty(), List.of()),
                    SandboxPolicy.NONE, Duration.ofSeconds(30));
            Worktree w = opened.worktree().orElseThrow();
            workspaces.close(w);
            trees.put(name, w);
        }
        Files.write(trees.get("fresh").path().resolve("data.bin"), new byte[300 * 1024]);
        sql("UPDATE tasks SET completed = true, completed_at = now() WHERE asana_gid = '" + trees.get("done").taskGid() + "'");
        sql("UPDATE tasks SET deleted = true, deleted_at = now() WHERE asana_gid = '" + trees.get("deleted").taskGid() + "'");
        sql("UPDATE workspaces SET last_used_at = now() - interval '5 days' WHERE task_gid = '"
                + trees.get("idle").taskGid() + "'");
        sql("UPDATE workspaces SET last_used_at = now() - interval '2 days' WHERE task_gid = '"
                + trees.get("fresh").taskGid() + "'");

        Run list = run("workspaces", "list");
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("TASK").contains("BRANCH").contains("SIZE").contains("LAST USED")
                .contains("4 worktrees under " + ws.root());
        for (Worktree w : trees.values()) {
            String lastUsed = query("SELECT to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
                    + "FROM workspaces WHERE task_gid = '" + w.taskGid() + "'");
            assertThat(list.out().lines().filter(l -> l.startsWith(w.taskGid() + " ")))
                    .as("the row of task %s", w.taskGid()).singleElement().asString()
                    .contains(w.branch()).contains(lastUsed);
        }
        String freshRow = list.out().lines().filter(l -> l.startsWith(trees.get("fresh").taskGid() + " "))
                .findFirst().orElseThrow();
        assertThat(freshRow).as("size of the worktree with 300 KiB of data").contains(" 300 KiB ").endsWith("idle");
        assertThat(list.out()).contains("task done (prunable)");

        Run prune = run("workspaces", "prune");
        assertThat(prune.code()).isZero();
        assertThat(prune.out()).contains("Removed 3 worktrees").contains("(branches kept)")
                .doesNotContain(trees.get("fresh").taskGid());
        for (String name : List.of("done", "deleted", "idle")) {
            Worktree w = trees.get(name);
            assertThat(w.path()).as(name + "'s worktree").doesNotExist();
            assertThat(git(w.commonDir(), "rev-parse", "--verify", "refs/heads/" + w.branch()))
                    .as(name + "'s branch stays").isNotBlank();
            assertThat(git(w.commonDir(), "worktree", "list")).doesNotContain(w.path().toString());
        }
        assertThat(trees.get("fresh").path().resolve("data.bin")).as("a worktree used 2 days ago stays").exists();
        assertThat(query("SELECT count(*) FROM workspaces WHERE removed_at IS NULL")).isEqualTo("1");

        Run after = run("workspaces", "list");
        assertThat(after.out()).contains("1 worktree under").contains(trees.get("fresh").branch())
                .doesNotContain(trees.get("idle").branch());
        assertThat(run("workspaces", "prune").out()).as("nothing more is due").contains("Removed 0 worktrees");
    }
}
