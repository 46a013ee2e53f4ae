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

    /**
     * Settings that would let files in a worktree (which the agent wrote) make git run a command:
     * hooks, an fsmonitor, and a nested repository's own configuration (git status looks into
     * submodules). core.sshCommand is left alone: the operator's ssh setup is theirs.
     */
    private static final List<String[]> PINNED = List.of(new String[] {"core.hooksPath", "/dev/null"},
            new String[] {"core.fsmonitor", "false"}, new String[] {"submodule.recurse", "false"},
            new String[] {"diff.ignoreSubmodules", "all"}, new String[] {"status.submoduleSummary", "false"});

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

    /** The environment Aegis's own tools get (and pr_command, on the host). */
    Map<String, String> environment() {
        return env;
    }

    /**
     * What a project's setup gets: it runs code from the task's branch, which the agent wrote, so
     * no more than the agent itself gets by default: no ssh agent, ssh command or proxy credentials.
     */
    Map<String, String> neutral() {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.keySet().removeIf(k -> k.startsWith("SSH_") || k.startsWith("GIT_SSH") || k.endsWith("_PROXY"));
        return Map.copyOf(e);
    }

    /**
     * The environment for a program run on the host in a worktree (pr_command): any git it starts
     * (gh runs git status) uses the worktree's real git directory, whatever the agent left in the
     * {@code .git} file, and none of the settings that run commands. Given both as
     * GIT_CONFIG_PARAMETERS (older git, and kept for the git runs of submodules) and GIT_CONFIG_COUNT.
     */
    Map<String, String> pinnedTo(Worktree w) {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put("GIT_DIR", w.metaDir().toString());
        e.put("GIT_WORK_TREE", w.path().toString());
        StringBuilder params = new StringBuilder();
        for (int i = 0; i < PINNED.size(); i++) {
            String[] kv = PINNED.get(i);
            params.append(i == 0 ? "" : " ").append('\'').append(kv[0]).append("'='").append(kv[1]).append('\'');
            e.put("GIT_CONFIG_KEY_" + i, kv[0]);
            e.put("GIT_CONFIG_VALUE_" + i, kv[1]);
        }
        e.put("GIT_CONFIG_COUNT", String.valueOf(PINNED.size()));
        e.put("GIT_CONFIG_PARAMETERS", params.toString());
        return Map.copyOf(e);
    }

    Exec.Result run(Path dir, Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("git"));
        for (String[] kv : PINNED) {
            argv.addAll(List.of("-c", kv[0] + "=" + kv[1]));
        }
        argv.addAll(List.of("-c", "protocol.file.allow=always"));
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
