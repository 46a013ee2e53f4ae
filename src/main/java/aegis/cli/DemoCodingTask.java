package aegis.cli;

import aegis.workspace.Sandbox;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The demo's coding task, with no account anywhere: a throwaway git repository with a bare
 * {@code origin} in a temporary directory, the scripted agent and fake {@code pr_command}
 * shipped in the jar (extracted next to it), and the project and {@code agents.command}
 * settings that run the agent in a worktree inside the bwrap sandbox.
 */
final class DemoCodingTask implements AutoCloseable {
    static final String TASK_NAME = "Add a CONTRIBUTING guide";
    static final String TASK_NOTES = "A short CONTRIBUTING.md at the root of the repository.";

    private final Path dir;
    private final Path origin;
    private final Path agent;
    private final Path pr;

    private DemoCodingTask(Path dir, Path origin, Path agent, Path pr) {
        this.dir = dir;
        this.origin = origin;
        this.agent = agent;
        this.pr = pr;
    }

    /** Why the coding task cannot run on this host (git or bwrap missing), with how to fix it. */
    static Optional<String> missingTool(String path) {
        if (Sandbox.findBwrap(path).isEmpty()) {
            return Optional.of("the coding task is skipped: it runs in a bubblewrap sandbox and bwrap is not "
                    + "installed (Debian/Ubuntu: sudo apt-get install bubblewrap; bin/aegis installs it when run as root)");
        }
        try {
            if (new ProcessBuilder("git", "--version").redirectErrorStream(true).start().waitFor() != 0) {
                throw new IOException("git --version failed");
            }
        } catch (IOException | InterruptedException e) {
            return Optional.of("the coding task is skipped: it needs git (Debian/Ubuntu: sudo apt-get install git)");
        }
        return Optional.empty();
    }

    /** Creates the repository and extracts the scripts into a new temporary directory. */
    static DemoCodingTask create() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("aegis-demo-");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path agent = extract("coding-agent.sh", bin);
        Path pr = extract("fake-pr.sh", bin);
        Path origin = dir.resolve("origin.git");
        git(dir, "init", "-q", "--bare", "-b", "main", origin.toString());
        Path seed = dir.resolve("seed");
        git(dir, "init", "-q", "-b", "main", seed.toString());
        Files.writeString(seed.resolve("README.md"), "# Docs\n\nThe demo's repository.\n");
        git(seed, "add", "README.md");
        git(seed, "-c", "user.name=Aegis Demo", "-c", "user.email=demo@example.com", "commit", "-q", "-m", "Initial");
        git(seed, "push", "-q", origin.toString(), "main");
        return new DemoCodingTask(dir, origin, agent, pr);
    }

    Path agentScript() {
        return agent;
    }

    Path origin() {
        return origin;
    }

    Path workspaces() {
        return dir.resolve("workspaces");
    }

    /** {@code projects.<gid>} of the coding project: a repository to clone, push, a fake pull request. */
    Map<String, Object> projectOptions() {
        return Map.of("agent", "command", "repo", origin.toString(), "push", true, "on_done", "complete",
                "pr_command", List.of(pr.toString(), "{branch}", "{base}", "{title}"));
    }

    /** {@code agents.command}: the scripted agent, sandboxed, without network; its script is read-only inside. */
    Map<String, Object> commandAgent() {
        return Map.of("argv", List.of(agent.toString()), "sandbox", "bwrap", "sandbox_network", false,
                "sandbox_readonly", List.of(agent.getParent().toString()),
                "git_author", "Aegis Demo <demo@example.com>", "timeout", "60s");
    }

    private static Path extract(String name, Path bin) throws IOException {
        Path p = bin.resolve(name);
        try (InputStream in = DemoCodingTask.class.getResourceAsStream("/demo/" + name)) {
            if (in == null) {
                throw new IOException("the jar lacks demo/" + name);
            }
            Files.copy(in, p);
        }
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r-xr-xr-x"));
        return p;
    }

    private static void git(Path cwd, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("git"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("git " + String.join(" ", args) + " failed: " + out.strip());
        }
    }

    /** The temporary directory goes; nothing of the demo stays on disk. */
    @Override
    public void close() {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("aegis: could not remove the demo's directory " + dir + ": " + e.getMessage());
        }
    }
}
