package aegis.workspace;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds the bubblewrap ({@code bwrap}) command line that contains one command run: new PID, IPC
 * and UTS namespaces (the daemon's processes and their {@code /proc/<pid>/environ} are not
 * visible), {@code --die-with-parent}, the root file system read-only, a private {@code /tmp},
 * the Aegis configuration and state, every project's checkout and the daemon user's HOME hidden
 * (replaced by empty directories or {@code /dev/null}; HOME by an empty writable one, the agent's
 * HOME), the workspaces directory hidden but for this run's worktree (writable) and its git
 * metadata (read-only, the clone's configuration emptied), then the operator's extra paths (which
 * may show again what a hide covered, e.g. a CLI's login), and the network only when allowed.
 *
 * <p>The environment is given with {@code --clearenv --setenv}; the caller must start bwrap itself
 * with an empty environment, because the sandbox's PID 1 is bwrap and its {@code /proc/1/environ}
 * is whatever bwrap was started with.
 */
public final class Sandbox {
    private final WorkspaceSettings settings;
    private final Optional<Path> bwrap;

    public Sandbox(WorkspaceSettings settings, Optional<Path> bwrap) {
        this.settings = settings;
        this.bwrap = bwrap;
    }

    /** {@code bwrap} on the daemon's PATH, if installed. */
    public static Optional<Path> findBwrap(String path) {
        for (String d : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, "bwrap");
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    public boolean available() {
        return bwrap.isPresent();
    }

    /** What to tell an operator whose host lacks bwrap. */
    public static String installHint() {
        return "bubblewrap (bwrap) is not installed; install it (Debian/Ubuntu: sudo apt-get install bubblewrap) "
                + "or set agents.command.sandbox: none to run agents without a sandbox (not recommended)";
    }

    /**
     * The argv that runs {@code argv} in {@code workDir} under {@code policy} with exactly {@code env};
     * {@code worktree} (when the run has one) adds its git metadata, read-only. Without a sandbox
     * the argv is returned as is (the caller passes {@code env} itself).
     */
    public List<String> wrap(SandboxPolicy policy, Path workDir, Optional<Worktree> worktree, Map<String, String> env,
                             List<String> argv) {
        if (!policy.enabled()) {
            return List.copyOf(argv);
        }
        Path bw = bwrap.orElseThrow(() -> new IllegalStateException(installHint()));
        List<String> a = new ArrayList<>(List.of(bw.toString(), "--die-with-parent", "--unshare-pid",
                "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "aegis-sandbox"));
        if (!policy.network()) {
            a.add("--unshare-net");
        }
        a.addAll(List.of("--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"));
        // The daemon user's HOME first (what is hidden inside it then gets its mount point in the
        // empty one): a fresh, writable, empty HOME for the agent, so CLIs can keep their files.
        Optional<Path> home = settings.home().filter(Files::isDirectory).filter(h -> !h.equals(workDir));
        home.ifPresent(h -> a.addAll(List.of("--tmpfs", h.toString())));
        List<Path> hidden = settings.hidden().stream()
                .filter(h -> !h.equals(workDir) && !home.map(h::equals).orElse(false)).toList();
        for (Path h : hidden) {
            hide(a, h);
        }
        hide(a, settings.root());
        worktree.ifPresent(w -> {
            a.addAll(List.of("--ro-bind", w.commonDir().toString(), w.commonDir().toString()));
            a.addAll(List.of("--ro-bind", w.metaDir().toString(), w.metaDir().toString()));
            // The clone's configuration names its remote (a URL may carry a token): git in the
            // sandbox reads an empty one instead (a worktree needs nothing from it).
            Path config = w.commonDir().resolve("config");
            if (Files.isRegularFile(config)) {
                a.addAll(List.of("--ro-bind", emptyFile(w.commonDir()).toString(), config.toString()));
            }
        });
        // The operator's paths after every hide, so a CLI's login under HOME can be shown again.
        for (Path p : policy.readonly()) {
            a.addAll(List.of("--ro-bind-try", p.toString(), p.toString()));
        }
        for (Path p : policy.writable()) {
            a.addAll(List.of("--bind-try", p.toString(), p.toString()));
        }
        // The configured program itself is meant to run wherever it lives (a script under /tmp, which
        // is private here, or a CLI under the hidden HOME): that one file is shown, by its real path.
        List<String> run = new ArrayList<>(argv);
        program(argv).ifPresent(p -> {
            a.addAll(List.of("--ro-bind", p.toString(), p.toString()));
            run.set(0, p.toString());
        });
        a.addAll(List.of("--bind", workDir.toString(), workDir.toString()));
        // The empty directories that hide things are read-only too (after the binds made their mount points).
        for (Path h : hidden) {
            if (Files.isDirectory(h)) {
                a.addAll(List.of("--remount-ro", h.toString()));
            }
        }
        if (Files.isDirectory(settings.root())) {
            a.addAll(List.of("--remount-ro", settings.root().toString()));
        }
        a.addAll(List.of("--chdir", workDir.toString(), "--clearenv"));
        Map<String, String> given = new java.util.LinkedHashMap<>(env);
        home.ifPresent(h -> given.put("HOME", h.toString()));
        given.forEach((k, v) -> a.addAll(List.of("--setenv", k, v)));
        a.add("--");
        a.addAll(run);
        return a;
    }

    /** The real path of an absolute program, when it exists. */
    private static Optional<Path> program(List<String> argv) {
        if (argv.isEmpty() || !argv.get(0).startsWith("/")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(argv.get(0)).toRealPath());
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** An empty file beside the clone, bound over its configuration (/dev/null cannot be read there: nodev). */
    private static Path emptyFile(Path clone) {
        Path empty = clone.resolveSibling(".empty-config");
        try {
            if (!Files.isRegularFile(empty) || Files.size(empty) != 0) {
                Files.deleteIfExists(empty);
                Files.createFile(empty);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("could not make " + empty, e);
        }
        return empty;
    }

    /** A directory becomes an empty one, a file an empty file; what does not exist needs nothing. */
    private static void hide(List<String> a, Path p) {
        if (Files.isDirectory(p)) {
            a.addAll(List.of("--tmpfs", p.toString()));
        } else if (Files.exists(p)) {
            a.addAll(List.of("--ro-bind", "/dev/null", p.toString()));
        }
    }
}
