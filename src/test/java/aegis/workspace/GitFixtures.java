package aegis.workspace;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real git and bwrap for tests: a bare {@code origin} with one commit on {@code main}, scripts
 * the sandbox can see (under {@code target/}: the sandbox's {@code /tmp} is its own), and a check
 * that fails — never skips — with how to install what is missing.
 */
public final class GitFixtures {
    private GitFixtures() {
    }

    /** Fails with the install command when git or bwrap is missing (bin/test installs both as root). */
    public static void requireGitAndBwrap() {
        if (Sandbox.findBwrap(System.getenv("PATH")).isEmpty()) {
            throw new AssertionError("bubblewrap (bwrap) is required by this test: sudo apt-get install bubblewrap "
                    + "(bin/test installs it when run as root)");
        }
        try {
            if (new ProcessBuilder("git", "--version").start().waitFor() != 0) {
                throw new IOException("exit status");
            }
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("git is required by this test: sudo apt-get install git (bin/test installs it "
                    + "when run as root)");
        }
    }

    /** A fresh directory under target/ for one test class. */
    public static Path dir(String name) throws IOException {
        Path d = Path.of("target", "ws-tests", name + "-" + ProcessHandle.current().pid()).toAbsolutePath();
        Workspaces.deleteTree(d);
        Files.createDirectories(d);
        return d;
    }

    /** A bare repository with a README committed on main. */
    public static Path origin(Path dir) throws Exception {
        Path origin = dir.resolve("origin.git");
        git(dir, "init", "-q", "--bare", "-b", "main", origin.toString());
        Path seed = dir.resolve("seed");
        git(dir, "init", "-q", "-b", "main", seed.toString());
        Files.writeString(seed.resolve("README.md"), "# Demo\n");
        git(seed, "add", "README.md");
        git(seed, "-c", "user.name=Seed", "-c", "user.email=seed@example.com", "commit", "-q", "-m", "Initial");
        git(seed, "push", "-q", origin.toString(), "main");
        return origin;
    }

    public static Path script(Path dir, String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    /** Runs git and returns its trimmed output; fails on a non-zero exit. */
    public static String git(Path dir, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("git"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("git " + String.join(" ", args) + " failed: " + out);
        }
        return out.strip();
    }

    /** The origin {@link #origin} made in {@code dir}. */
    public static String originPath(Path dir) {
        return dir.resolve("origin.git").toString();
    }
}
