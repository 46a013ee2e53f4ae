package aegis.dispatch;

import aegis.agent.Agent;
import aegis.agent.AgentContext;
import aegis.agent.AgentsConfig;
import aegis.config.ProjectSettings;
import aegis.sync.MirroredTask;
import aegis.workspace.Delivery;
import aegis.workspace.SandboxPolicy;
import aegis.workspace.WorkReport;
import aegis.workspace.Workspaces;
import aegis.workspace.Worktree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A coding run's worktree, for {@link AttemptRunner}: before the agent, the task's worktree held
 * (under the execution's lease token) and the CLI session to resume; after it, the commit, push
 * and pull request, told below the agent's answer. Each step is an event of the run.
 */
final class CodingWork {
    /** Beyond the agent's own stopping time, how long a cancelled run's worktree stays locked. */
    private static final Duration STOP_MARGIN = Duration.ofSeconds(10);

    private final Workspaces workspaces;
    private final ProjectSettings.All projects;
    private final Optional<AgentsConfig.Command> command;
    private final ExecutionEvents events;

    CodingWork(Workspaces workspaces, ProjectSettings.All projects, Optional<AgentsConfig.Command> command,
               ExecutionEvents events) {
        this.workspaces = workspaces;
        this.projects = projects;
        this.command = command;
        this.events = events;
    }

    /** Where a run stands before its agent starts. */
    sealed interface Prepared {
        /** No repository for this kind or project: the agent runs as it always did. */
        record None() implements Prepared {
        }

        record Ready(Worktree worktree, Optional<String> resumeSession) implements Prepared {
        }

        /** Another live execution holds the worktree (a rescued run's predecessor still ending). */
        record Busy() implements Prepared {
        }

        record Failed(String reason) implements Prepared {
        }
    }

    Prepared prepare(Execution e, MirroredTask task, Agent agent, AgentContext ctx) throws InterruptedException {
        ProjectSettings p = projects.forProject(task.project().gid());
        Optional<String> source = p.repository().repo()
                .or(() -> p.codePath().or(task.project()::codePath).filter(CodingWork::isGitCheckout));
        if (!agent.worksInRepository() || source.isEmpty()) {
            return new Prepared.None();
        }
        Workspaces.TaskRef ref = new Workspaces.TaskRef(task.id(), task.project().gid(), task.gid(), task.name(), e.id(),
                e.leaseOwner());
        SandboxPolicy setupPolicy = command.map(AgentsConfig.Command::sandbox).orElse(SandboxPolicy.DEFAULT);
        Workspaces.Opened opened;
        try {
            opened = workspaces.open(ref, new Workspaces.Source(source.get(), p.repository().baseBranch(),
                    p.repository().setup()), setupPolicy, agent.stopWithin().plus(STOP_MARGIN));
        } catch (IOException ex) {
            ctx.event("worktree_failed", "error", ex.getMessage(), Map.of());
            return new Prepared.Failed("the task's worktree could not be prepared: " + ex.getMessage());
        }
        if (opened.worktree().isEmpty()) {
            ctx.event("worktree_busy", "warn", "another execution still holds the task's worktree", Map.of());
            return new Prepared.Busy();
        }
        Worktree w = opened.worktree().get();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("path", w.path().toString());
        d.put("branch", w.branch());
        d.put("base", w.base());
        d.put("created", w.created());
        ctx.event("worktree_ready", "info", (w.created() ? "created " : "reusing ") + w.branch(), d);
        opened.setup().ifPresent(s -> ctx.event("setup_ran", s.exitCode() == 0 ? "info" : "warn",
                "setup exited with status " + s.exitCode() + (s.exitCode() == 0 ? "" : ": " + s.lastLine()),
                Map.of("exit_code", s.exitCode())));
        Optional<String> session = e.kind().equals("follow_up") ? events.lastSessionId(task.id()) : Optional.empty();
        return new Prepared.Ready(w, session);
    }

    /** What a delivery left: the text to put below the answer, and what to mark told once it is recorded. */
    record Delivered(String text, Optional<WorkReport> report) {
    }

    /**
     * Commits, pushes and opens the PR; the text to put below the answer (empty when nothing changed).
     * {@code hold}: the answer waits for approval, so the work is committed only (no push, no PR).
     */
    Delivered deliver(Worktree w, MirroredTask task, AgentContext ctx, boolean hold) throws InterruptedException {
        ProjectSettings p = projects.forProject(task.project().gid());
        String author = command.map(AgentsConfig.Command::gitAuthor).orElse(AgentsConfig.DEFAULT_GIT_AUTHOR);
        WorkReport report;
        try {
            report = workspaces.deliver(w, new Delivery.Request(author, task.name(), task.permalinkUrl(),
                    p.repository().push() && !hold, hold ? java.util.List.of() : p.repository().prCommand()));
        } catch (IOException ex) {
            ctx.event("commit_failed", "error", ex.getMessage(), Map.of("branch", w.branch()));
            return new Delivered("Branch `" + w.branch() + "`: the changes could not be committed ("
                    + ex.getMessage() + "); they stay in the task's worktree.", Optional.empty());
        }
        if (report.gitFileRestored()) {
            ctx.event("git_file_restored", "warn", "the agent had rewritten the worktree's .git file; it was put "
                    + "back to name the worktree's git directory before anything ran there", Map.of("branch", w.branch()));
        }
        if (report.commit().isPresent()) {
            ctx.event("committed", "info", report.commit().get() + " on " + w.branch(), Map.of("branch", w.branch(),
                    "commit", report.commit().get(), "files", report.files().size(), "insertions", report.insertions(),
                    "deletions", report.deletions()));
        }
        if (report.pushed()) {
            ctx.event("pushed", "info", w.branch() + " to origin", Map.of("branch", w.branch()));
        }
        report.pushError().ifPresent(err -> ctx.event("push_failed", "error", err, Map.of("branch", w.branch())));
        if (report.prUrl().isPresent() && !report.prUrl().equals(w.prUrl())) {
            ctx.event("pull_request", "info", report.prUrl().get(), Map.of("url", report.prUrl().get()));
        }
        report.prError().ifPresent(err -> ctx.event("pr_failed", "error", err, Map.of("branch", w.branch())));
        String held = hold && (p.repository().push() || !p.repository().prCommand().isEmpty())
                ? "\nNot pushed and no pull request: this answer waits for approval." : "";
        return new Delivered(WorkSummary.text(report) + held, Optional.of(report));
    }

    /** The answer carrying {@code d} is recorded: its commit is told (else the next answer tells it). */
    void told(Worktree w, Delivered d) {
        d.report().ifPresent(r -> workspaces.told(w, r));
    }

    void release(Worktree w) {
        workspaces.close(w);
    }

    private static boolean isGitCheckout(String path) {
        return !path.isBlank() && Files.exists(Path.of(path, ".git"));
    }
}
