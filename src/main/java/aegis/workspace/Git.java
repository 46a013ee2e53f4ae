package aegis.workspace;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * git, run as Aegis's own tool: argv lists, no shell, an environment of a few harmless names (never
 * Aegis's secrets), no prompts, no hooks and no fsmonitor. Commands on a worktree name its git
 * directory explicitly, so a {@code .git} file an agent rewrote cannot point git at a
 * configuration of its making.
 */
final class Git {
    static final Duration LOCAL = Duration.ofMinutes(2);
    static final Duration REMOTE = Duration.ofMinutes(5);
    /** Passed through to git (ssh agents, proxies); nothing named AEGIS_ or ASANA_ ever is. */
    private static final List<String> PASSED = List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "USER", "LOGNAME",
            "SSH_AUTH_SOCK", "GIT_SSH_COMMAND", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY");

    private final Map<String, String> env;

    Git(Map<String, String> daemonEnv) {
        Map<String, String> e = new LinkedHashMap<>();
        for (String k : PASSED) {
            String v = daemonEnv.get(k);
            if (v != null) {
                e.put(k, v);
            }
        }
        e.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
        e.put("GIT_TERMINAL_PROMPT", "0");
        e.put("GIT_CONFIG_NOSYSTEM", "1");
        this.env = Map.copyOf(e);
    }

    /** The environment Aegis's own tools get (setup and pr_command too). */
    Map<String, String> environment() {
        return env;
    }

    Exec.Result run(Path dir, Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("git", "-c", "core.hooksPath=/dev/null", "-c",
                "core.fsmonitor=false", "-c", "protocol.file.allow=always"));
        argv.addAll(List.of(args));
        return Exec.run(argv, dir, env, timeout);
    }

    /** Runs and requires success; the exception names the command and git's last line. */
    String ok(Path dir, Duration timeout, String... args) throws IOException, InterruptedException {
        Exec.Result r = run(dir, timeout, args);
        if (!r.ok()) {
            throw new IOException("git " + args[0] + " failed (" + r.exit() + "): " + r.why());
        }
        return r.stdout().strip();
    }

    /** The same, on a worktree through its own git directory. */
    String onWorktree(Worktree w, Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> a = new ArrayList<>(List.of("--git-dir=" + w.metaDir(), "--work-tree=" + w.path()));
        a.addAll(List.of(args));
        Exec.Result r = run(w.path(), timeout, a.toArray(String[]::new));
        if (!r.ok()) {
            throw new IOException("git " + args[0] + " failed (" + r.exit() + "): " + r.why());
        }
        return r.stdout().strip();
    }
}
