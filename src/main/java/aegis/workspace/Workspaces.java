package aegis.workspace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Per-task worktrees: the instance's clone of a project's repository (created, then fetched before
 * each run), the task's worktree on branch {@code aegis/<task-gid>-<slug>} from the base (created
 * once, with the project's {@code setup} run in it in the sandbox; reused by follow-ups), held by
 * one execution at a time through {@link WorkspaceStore}'s lock. Git operations on one clone are
 * serialised, in this process and across processes sharing the directory (a file lock).
 */
public final class Workspaces {
    private final WorkspaceSettings settings;
    private final WorkspaceStore store;
    private final Git git;
    private final Sandbox sandbox;
    private final Map<Path, ReentrantLock> cloneLocks = new ConcurrentHashMap<>();

    public Workspaces(WorkspaceSettings settings, WorkspaceStore store, Sandbox sandbox, Map<String, String> daemonEnv) {
        this.settings = settings;
        this.store = store;
        this.sandbox = sandbox;
        this.git = new Git(daemonEnv);
    }

    /** Which task, for which execution (its lease token holds the lock). */
    public record TaskRef(long taskId, String projectGid, String taskGid, String taskName, long executionId,
                          String leaseToken) {
    }

    /** Where the work comes from: a git URL or path to clone, the base branch if fixed, the setup argv. */
    public record Source(String cloneFrom, Optional<String> baseBranch, List<String> setup) {
    }

    /** How the setup ran in a new worktree. */
    public record Setup(int exitCode, String lastLine) {
    }

    /** The task's worktree, held; or empty when another live execution holds it. */
    public record Opened(Optional<Worktree> worktree, Optional<Setup> setup) {
    }

    /**
     * Fetches, takes the task's lock, and makes sure its worktree exists. A failed setup is reported
     * (the worktree stays, so the agent can see what failed); git failing is an {@link IOException}.
     * {@code stopGrace}: how long the run's agent may take to stop once the run is cancelled.
     */
    public Opened open(TaskRef t, Source s, SandboxPolicy setupPolicy, Duration stopGrace)
            throws IOException, InterruptedException {
        Path clone = settings.cloneOf(t.projectGid());
        Path path = settings.worktreeOf(t.projectGid(), t.taskGid());
        String base;
        try (Held held = holdClone(clone)) {
            base = fetch(clone, s);
        }
        Optional<WorkspaceStore.Row> row = store.lock(t.taskId(), t.projectGid(), t.taskGid(), path,
                branchName(t.taskGid(), t.taskName()), base, t.executionId(), t.leaseToken(), stopGrace);
        if (row.isEmpty()) {
            return new Opened(Optional.empty(), Optional.empty());
        }
        WorkspaceStore.Row r = row.get();
        try {
            Path meta = clone.resolve("worktrees").resolve(r.path().getFileName().toString());
            boolean created = false;
            try (Held held = holdClone(clone)) {
                if (!Files.isDirectory(r.path()) || !Files.isDirectory(meta)) {
                    addWorktree(clone, r.path(), r.branch(), r.base());
                    created = true;
                }
            }
            Worktree w = new Worktree(t.taskId(), t.projectGid(), t.taskGid(), r.path(), r.branch(), r.base(), meta,
                    clone, created, r.reportedSha(), r.prUrl(), t.leaseToken());
            String head = git.onWorktree(w, Git.LOCAL, "rev-parse", "HEAD");
            if (r.reportedSha() == null) {
                store.based(t.taskId(), t.leaseToken(), head);
                w = new Worktree(w.taskId(), w.projectGid(), w.taskGid(), w.path(), w.branch(), w.base(), meta, clone,
                        created, head, w.prUrl(), w.lockToken());
            }
            Optional<Setup> setup = Optional.empty();
            if (created && !s.setup().isEmpty()) {
                setup = Optional.of(setup(w, s.setup(), setupPolicy));
            }
            return new Opened(Optional.of(w), setup);
        } catch (IOException | InterruptedException | RuntimeException e) {
            store.unlock(t.taskId(), t.leaseToken());
            throw e;
        }
    }

    /**
     * Lets go of the worktree (it stays on disk for follow-ups). Its {@code .git} file is put back
     * first even when nothing was delivered: a person may run git there later.
     */
    public void close(Worktree w) {
        try {
            Delivery.restoreGitFile(w);
        } catch (IOException e) {
            // Gone or unwritable: the next delivery restores it before running anything there.
        }
        store.unlock(w.taskId(), w.lockToken());
    }

    /** Commits, pushes and opens the pull request after a run: see {@link Delivery}. */
    public WorkReport deliver(Worktree w, Delivery.Request request) throws IOException, InterruptedException {
        try (Held held = holdClone(w.commonDir())) {
            return new Delivery(git, store).deliver(w, request);
        }
    }

    /**
     * The commit a delivery reported is now told: call only once the answer naming it is recorded
     * (a run ending before that leaves it to the next answer). Under the worktree's lock.
     */
    public void told(Worktree w, WorkReport report) {
        report.tells().ifPresent(sha -> store.reported(w.taskId(), w.lockToken(), sha));
    }

    /** {@code aegis/<task-gid>-<slug of the name>}: stable, readable, valid as a git ref. */
    static String branchName(String taskGid, String name) {
        String slug = (name == null ? "" : name).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-+|-+$", "");
        if (slug.length() > 40) {
            slug = slug.substring(0, 40).replaceAll("-+$", "");
        }
        return "aegis/" + taskGid + (slug.isEmpty() ? "" : "-" + slug);
    }

    /** Creates the clone on first use, fetches, and names the base branch. */
    private String fetch(Path clone, Source s) throws IOException, InterruptedException {
        if (!Files.isRegularFile(clone.resolve("HEAD"))) {
            Files.createDirectories(clone);
            git.ok(clone, Git.LOCAL, "init", "-q", "--bare", clone.toString());
            git.ok(clone, Git.LOCAL, "remote", "add", "origin", absoluteIfLocal(s.cloneFrom()));
            git.ok(clone, Git.LOCAL, "config", "remote.origin.fetch", "+refs/heads/*:refs/remotes/origin/*");
        }
        git.ok(clone, Git.REMOTE, "fetch", "-q", "--prune", "origin");
        if (s.baseBranch().isPresent()) {
            return s.baseBranch().get();
        }
        for (String line : git.ok(clone, Git.REMOTE, "ls-remote", "--symref", "origin", "HEAD").split("\n")) {
            if (line.startsWith("ref: refs/heads/") && line.endsWith("HEAD")) {
                return line.substring("ref: refs/heads/".length(), line.indexOf('\t')).trim();
            }
        }
        throw new IOException("the remote names no default branch; set projects.<gid>.base_branch");
    }

    private void addWorktree(Path clone, Path path, String branch, String base) throws IOException, InterruptedException {
        git.ok(clone, Git.LOCAL, "worktree", "prune");
        if (Files.exists(path)) {
            // Left by a worktree whose metadata is gone: git refuses a non-empty directory.
            deleteTree(path);
        }
        Files.createDirectories(path.getParent());
        if (git.run(clone, Git.LOCAL, "rev-parse", "-q", "--verify", "refs/heads/" + branch).ok()) {
            git.ok(clone, Git.LOCAL, "worktree", "add", "-q", path.toString(), branch);
        } else if (git.run(clone, Git.LOCAL, "rev-parse", "-q", "--verify", "refs/remotes/origin/" + branch).ok()) {
            git.ok(clone, Git.LOCAL, "worktree", "add", "-q", "-b", branch, path.toString(), "origin/" + branch);
        } else {
            git.ok(clone, Git.LOCAL, "worktree", "add", "-q", "-b", branch, path.toString(), "origin/" + base);
        }
    }

    private Setup setup(Worktree w, List<String> argv, SandboxPolicy policy) throws IOException, InterruptedException {
        Map<String, String> env = git.neutral();
        List<String> cmd = sandbox.wrap(policy, w.path(), Optional.of(w), env, argv);
        Exec.Result r = Exec.run(cmd, w.path(), policy.enabled() ? Map.of() : env, Git.REMOTE);
        return new Setup(r.exit(), r.why());
    }

    /**
     * Removes a worktree directory (and git's record of it) if {@code claim}, asked under the
     * clone's lock, says no run holds it: a run opens its worktree under the same lock, so none can
     * start in it between the check and the removal. The branch stays. Returns whether it went.
     */
    boolean remove(Path clone, Path path, BooleanSupplier claim) throws IOException, InterruptedException {
        if (!Files.isDirectory(clone)) {
            if (!claim.getAsBoolean()) {
                return false;
            }
            if (Files.exists(path)) {
                deleteTree(path);
            }
            return true;
        }
        try (Held held = holdClone(clone)) {
            if (!claim.getAsBoolean()) {
                return false;
            }
            git.run(clone, Git.LOCAL, "worktree", "remove", "--force", path.toString());
            if (Files.exists(path)) {
                deleteTree(path);
            }
            git.run(clone, Git.LOCAL, "worktree", "prune");
            return true;
        }
    }

    WorkspaceSettings settings() {
        return settings;
    }

    private static String absoluteIfLocal(String source) {
        if (source.contains("://") || source.matches("^[^/]+@[^:]+:.*")) {
            return source;
        }
        return Path.of(source).toAbsolutePath().normalize().toString();
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            List<Path> all = new ArrayList<>(walk.toList());
            java.util.Collections.reverse(all);
            for (Path x : all) {
                Files.deleteIfExists(x);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** One clone's lock: a JVM lock (file locks are per process) and a file lock beside the clone. */
    private Held holdClone(Path clone) throws IOException {
        ReentrantLock jvm = cloneLocks.computeIfAbsent(clone, k -> new ReentrantLock());
        jvm.lock();
        try {
            Files.createDirectories(clone.getParent());
            FileChannel ch = FileChannel.open(clone.resolveSibling(clone.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.lock();
            return new Held(jvm, ch, lock);
        } catch (IOException | RuntimeException e) {
            jvm.unlock();
            throw e;
        }
    }

    private record Held(ReentrantLock jvm, FileChannel channel, FileLock lock) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                lock.release();
                channel.close();
            } finally {
                jvm.unlock();
            }
        }
    }
}
