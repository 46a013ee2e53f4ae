package aegis.workspace;

import aegis.config.ProjectSettings;
import aegis.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where worktrees live and what the sandbox hides:
 * <ul>
 * <li>{@code AEGIS_WORKSPACES_DIR}: per-instance clones ({@code .repos/<project>.git}) and per-task
 *     worktrees ({@code <project>/<task>}); default {@code /var/lib/aegis/workspaces}, or
 *     {@code .aegis/workspaces} when started in a checkout (a directory holding {@code pom.xml} and
 *     {@code .aegis}).</li>
 * <li>{@code AEGIS_RETENTION_WORKSPACES_DAYS} (14): a worktree unused this long is removed (its branch stays).</li>
 * </ul>
 * {@code hidden}: what no sandboxed command may read — {@code /etc/aegis}, the file named by
 * {@code AEGIS_CONFIG}, the checkout's {@code .aegis} (its database password), the state directory
 * {@code /var/lib/aegis}, and every configured project's {@code code_path} and local {@code repo}
 * (another project's code is not this run's business); the workspaces directory itself is hidden
 * too (each run sees only its own worktree). {@code home}: the daemon user's HOME (ssh keys, CLI
 * logins, git credentials), replaced in the sandbox by an empty one of the agent's own.
 */
public record WorkspaceSettings(Path root, Duration retention, List<Path> hidden, Optional<Path> home) {
    public static final Path SYSTEM_ROOT = Path.of("/var/lib/aegis/workspaces");
    /** The service's state directory (its HOME under systemd): hidden even when the workspaces are elsewhere. */
    static final Path STATE_DIR = Path.of("/var/lib/aegis");

    public WorkspaceSettings {
        root = root.toAbsolutePath().normalize();
        hidden = List.copyOf(hidden);
        home = home.map(h -> h.toAbsolutePath().normalize()).filter(h -> h.getParent() != null);
    }

    /** Settings hiding only {@code hidden} (HOME left as it is): for tools and tests. */
    public WorkspaceSettings(Path root, Duration retention, List<Path> hidden) {
        this(root, retention, hidden, Optional.empty());
    }

    public static WorkspaceSettings from(Settings s) {
        Path cwd = Path.of("").toAbsolutePath();
        boolean checkout = Files.isRegularFile(cwd.resolve("pom.xml")) && Files.isDirectory(cwd.resolve(".aegis"));
        Path root = s.string("AEGIS_WORKSPACES_DIR").map(Path::of)
                .orElse(checkout ? cwd.resolve(".aegis/workspaces") : SYSTEM_ROOT);
        int days = s.integer("AEGIS_RETENTION_WORKSPACES_DAYS", 14, 1, 3650);
        List<Path> hidden = new ArrayList<>();
        hidden.add(Path.of("/etc/aegis"));
        s.string(Settings.CONFIG_FILE).map(p -> Path.of(p).toAbsolutePath().normalize()).ifPresent(hidden::add);
        if (checkout) {
            hidden.add(cwd.resolve(".aegis"));
        }
        hidden.add(STATE_DIR);
        hidden.addAll(projectCode(ProjectSettings.read(s)));
        Optional<Path> home = s.string("HOME").or(() -> Optional.ofNullable(System.getProperty("user.home")))
                .filter(h -> !h.isBlank()).map(Path::of).filter(Path::isAbsolute);
        return new WorkspaceSettings(root, Duration.ofDays(days), hidden, home);
    }

    /** Every configured project's checkout and local repository (a URL is not a path). */
    private static List<Path> projectCode(ProjectSettings.All projects) {
        List<String> places = new ArrayList<>();
        projects.defaultCodePath().ifPresent(places::add);
        for (ProjectSettings p : projects.byGid().values()) {
            p.codePath().ifPresent(places::add);
            p.repository().repo().ifPresent(places::add);
        }
        List<Path> out = new ArrayList<>();
        for (String place : places) {
            if (place.startsWith("/") && !place.contains("://")) {
                Path p = Path.of(place).normalize();
                if (p.getParent() != null && !out.contains(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** The per-instance clone of a project's repository. */
    Path cloneOf(String projectGid) {
        return root.resolve(".repos").resolve(projectGid + ".git");
    }

    /** A task's worktree. */
    Path worktreeOf(String projectGid, String taskGid) {
        return root.resolve(projectGid).resolve(taskGid);
    }
}
