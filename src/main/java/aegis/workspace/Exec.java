package aegis.workspace;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs one program (an argv, never a shell line) with exactly the environment given, standard
 * input closed, output kept up to a bound, killed (with its descendants) after a timeout. For
 * Aegis's own tools on worktrees: git, a project's {@code setup} and {@code pr_command}.
 */
final class Exec {
    private static final int MAX_OUTPUT = 256 * 1024;

    private Exec() {
    }

    record Result(int exit, String stdout, String stderr) {
        boolean ok() {
            return exit == 0;
        }

        /** The last line of standard error (else standard output), for a message. */
        String why() {
            String t = (stderr.isBlank() ? stdout : stderr).strip();
            int i = t.lastIndexOf('\n');
            String line = i < 0 ? t : t.substring(i + 1);
            return line.length() > 300 ? line.substring(0, 300) : line;
        }
    }

    static Result run(List<String> argv, Path dir, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir == null ? null : dir.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                return new Result(124, out.getNow(""), "timed out after " + timeout.toSeconds() + " s: " + argv.get(0));
            }
        } catch (InterruptedException e) {
            kill(p);
            throw e;
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static String read(InputStream in) {
        try (in) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            byte[] b = new byte[8192];
            for (int n; (n = in.read(b)) > 0; ) {
                if (buf.size() < MAX_OUTPUT) {
                    buf.write(b, 0, Math.min(n, MAX_OUTPUT - buf.size()));
                }
            }
            return buf.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
