package aegis.workspace;

import aegis.dispatch.Mirror;
import aegis.dispatch.QueueFixtures;
import aegis.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * bench/workspace: what the worktree and the sandbox add to one execution, with an empty agent (a
 * program that prints "ok"). Per sample: the agent run bare (no worktree, no sandbox) and the same
 * run as a coding execution does it — fetch, lock, worktree created (a new task each time: the worst
 * case) or reused (a follow-up), the agent in bwrap, then the after-run check for changes and the
 * unlock. Last line: JSON with the medians.
 */
public final class WorkspaceBench {
    public static void main(String[] args) throws Exception {
        GitFixtures.requireGitAndBwrap();
        int samples = Integer.getInteger("bench.samples", 20);
        TestDatabase.Schema schema = TestDatabase.freshSchema("bench_workspace");
        try (HikariDataSource ds = QueueFixtures.pool(schema, 4)) {
            Path dir = GitFixtures.dir("bench-workspace");
            Path origin = GitFixtures.origin(dir);
            Path agent = GitFixtures.script(dir, "empty-agent.sh", "echo ok");
            WorkspaceSettings settings = new WorkspaceSettings(dir.resolve("workspaces"), Duration.ofDays(1), List.of());
            WorkspaceStore store = new WorkspaceStore(QueueFixtures.jdbc(ds));
            Sandbox sandbox = new Sandbox(settings, Sandbox.findBwrap(System.getenv("PATH")));
            Workspaces ws = new Workspaces(settings, store, sandbox, System.getenv());
            Map<String, String> env = Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", dir.toString());
            List<Long> bare = new ArrayList<>();
            List<Long> fresh = new ArrayList<>();
            List<Long> reused = new ArrayList<>();
            for (int i = 0; i <= samples; i++) {
                long taskId;
                String gid = String.valueOf(1_300_000_000_000_000L + i);
                try (Connection c = schema.connect()) {
                    taskId = Mirror.task(c, Mirror.project(c, "1300"), gid, "Bench task " + i, "bot");
                }
                long t0 = System.nanoTime();
                run(List.of(agent.toString()), dir, env);
                long bareMs = (System.nanoTime() - t0) / 1_000_000;
                long freshMs = coded(ws, sandbox, agent, env, taskId, gid, i);
                long reusedMs = coded(ws, sandbox, agent, env, taskId, gid, i);
                if (i > 0) {
                    // The first sample warms the JIT and creates the clone; it is not counted.
                    bare.add(bareMs);
                    fresh.add(freshMs);
                    reused.add(reusedMs);
                }
            }
            long b = median(bare);
            long f = median(fresh);
            long r = median(reused);
            System.out.println("{\"samples\":" + samples + ",\"bare_ms_median\":" + b
                    + ",\"new_worktree_ms_median\":" + f + ",\"reused_worktree_ms_median\":" + r
                    + ",\"added_new_ms\":" + (f - b) + ",\"added_reused_ms\":" + (r - b) + "}");
        } finally {
            schema.drop();
        }
    }

    private static long coded(Workspaces ws, Sandbox sandbox, Path agent, Map<String, String> env, long taskId,
                              String gid, int i) throws Exception {
        long t0 = System.nanoTime();
        Workspaces.Opened o = ws.open(new Workspaces.TaskRef(taskId, "1300", gid, "Bench task " + i, 1, "bench:" + i),
                new Workspaces.Source(GitFixtures.originPath(agent.getParent()), Optional.of("main"), List.of()),
                SandboxPolicy.DEFAULT, Duration.ofSeconds(30));
        Worktree w = o.worktree().orElseThrow();
        List<String> argv = new ArrayList<>(List.of("setsid"));
        argv.addAll(sandbox.wrap(SandboxPolicy.DEFAULT, w.path(), Optional.of(w), env, List.of(agent.toString())));
        run(argv, w.path(), Map.of());
        ws.deliver(w, new Delivery.Request("Bench <b@example.com>", "Bench", null, false, List.of()));
        ws.close(w);
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static void run(List<String> argv, Path dir, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("the empty agent failed: " + argv);
        }
    }

    private static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
