package aegis.workspace;

import aegis.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Where worktrees live and what the sandbox hides:
 * <ul>
 * <li>{@code AEGIS_WORKSPACES_DIR}: per-instance clones ({@code .repos/<project>.git}) and per-task
 *     worktrees ({@code <project>/<task>}); default {@code /var/lib/aegis/workspaces}, or
 *     {@code .aegis/workspaces} when started in a checkout (a directory holding {@code pom.xml} and
 *     {@code .aegis}).</li>
 * <li>{@code AEGIS_RETENTION_WORKSPACES_DAYS} (14): a worktree unused this long is removed (its branch stays).</li>
 * </ul>
 * {@code hidden}: the Aegis configuration and state no sandboxed command may read — {@code /etc/aegis},
 * the file named by {@code AEGIS_CONFIG}, the checkout's {@code .aegis} (its database password) and
 * the workspaces directory itself (each run sees only its own worktree).
 */
public record WorkspaceSettings(Path root, Duration retention, List<Path> hidden) {
    public static final Path SYSTEM_ROOT = Path.of("/var/lib/aegis/workspaces");

    public WorkspaceSettings {
        root = root.toAbsolutePath().normalize();
        hidden = List.copyOf(hidden);
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
        return new WorkspaceSettings(root, Duration.ofDays(days), hidden);
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
