package aegis.dispatch;

import aegis.agent.Agent;
import aegis.agent.AgentOutcome;
import aegis.agent.AgentRequest;
import aegis.agent.Prompts;
import aegis.agent.RenderedPrompt;
import aegis.agent.Usage;
import aegis.asana.Bots;
import aegis.config.ConfigException;
import aegis.config.ProjectSettings;
import aegis.governance.ApprovalStage;
import aegis.governance.BudgetDecision;
import aegis.governance.BudgetScope;
import aegis.governance.Ledger;
import aegis.workspace.Worktree;
import aegis.memory.ProjectMemory;
import aegis.metrics.Metrics;
import aegis.sync.MirroredTask;
import aegis.sync.TaskReader;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one attempt of a claimed execution, top to bottom: the task and its thread read, the
 * prompt rendered, the agent run, and its outcome handed to the {@link Finisher} — answered,
 * retried or given up. An execution whose earlier attempt already has an outcome is only
 * reported. Stops early when the task no longer asks the bot for work (a mention's run: when the
 * task is gone). The execution's bot gives the prompt its persona and may allow kinds of its own.
 */
final class AttemptRunner {
    private static final Logger LOG = LoggerFactory.getLogger(AttemptRunner.class);

    private final Map<String, Agent> agents;
    private final TaskReader tasks;
    private final Prompts prompts;
    private final ExecutionEvents events;
    private final RetryPolicy retry;
    private final Finisher finisher;
    private final Function<String, Optional<Bots.Bot>> bots;
    private final DispatchSettings settings;
    private final Metrics metrics;
    private final ProjectSettings.All projects;
    private final CodingWork coding;
    private final ProjectMemory memory;
    private final ApprovalGate gate;
    private final ProgressComments progress;
    private final StatusField status;
    private final BudgetControl budget;

    AttemptRunner(Map<String, Agent> agents, TaskReader tasks, Prompts prompts, ExecutionEvents events,
                  RetryPolicy retry, Finisher finisher, Function<String, Optional<Bots.Bot>> bots, DispatchSettings settings,
                  Metrics metrics, ProjectSettings.All projects, CodingWork coding, ProjectMemory memory,
                  ApprovalGate gate, ProgressComments progress, StatusField status, BudgetControl budget) {
        this.memory = memory;
        this.gate = gate;
        this.progress = progress;
        this.status = status;
        this.budget = budget;
        this.projects = projects;
        this.coding = coding;
        this.agents = Map.copyOf(agents);
        this.tasks = tasks;
        this.prompts = prompts;
        this.events = events;
        this.retry = retry;
        this.finisher = finisher;
        this.bots = bots;
        this.settings = settings;
        this.metrics = metrics;
    }

    java.util.Set<String> kinds() {
        return agents.keySet();
    }

    /** The longest any kind here takes to stop once interrupted. */
    Duration stopWithin() {
        return agents.values().stream().map(Agent::stopWithin).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    /**
     * A run whose lease was lost is stopped {@code renewEvery} before that lease can be taken
     * over (see {@link LeaseKeeper}); an agent let run longer than that once interrupted could
     * still be at work when another instance starts the task. Refused at start, naming the setting.
     */
    void checkStopsWithin(Duration renewEvery) {
        agents.forEach((kind, agent) -> {
            if (agent.stopGrace().compareTo(renewEvery) >= 0) {
                throw new ConfigException("agents." + kind + ".kill_grace", "is " + agent.stopGrace().toMillis()
                        + " ms, which must be shorter than the lease renewal interval (" + renewEvery.toSeconds()
                        + " s, AEGIS_DISPATCH_RENEW_SECONDS): an agent stopped for a lost lease must be gone before "
                        + "that lease can be taken over; shorten kill_grace or lengthen AEGIS_DISPATCH_LEASE_SECONDS");
            }
        });
    }

    /** Whether this instance can run {@code kind} (configured here). */
    boolean canRun(String kind) {
        Agent a = agents.get(kind);
        return a != null && a.available();
    }

    Ended run(Run r) {
        Execution e = r.execution;
        if (e.owedOutcome() != null) {
            return gate.owed(r).orElseGet(() -> finisher.reportOwed(r));
        }
        Agent agent = agents.get(e.agentType());
        if (agent == null) {
            return finisher.gaveUp(r, "failed", "no agent of kind '" + e.agentType() + "' is configured",
                    Accounting.none(0), false);
        }
        Optional<Bots.Bot> bot = bots.apply(e.bot());
        if (bot.isEmpty()) {
            return finisher.gaveUp(r, "failed", "the bot '" + e.bot() + "' that this run belongs to is no longer "
                    + "configured (bots:)", Accounting.none(0), false);
        }
        Optional<TaskReader.Loaded> loaded = tasks.taskWithThread(e.taskId());
        if (loaded.isEmpty() || !stillAsked(e, loaded.get().task(), bot.get())) {
            return finisher.withdrawn(r);
        }
        MirroredTask task = loaded.get().task();
        ProjectSettings project = projects.forProject(task.project().gid());
        if (!project.allows(e.agentType()) && !bot.get().settings().ownKinds().contains(e.agentType())) {
            return finisher.gaveUp(r, "failed", "this project allows agent kind" + (project.allowedKinds().size() == 1
                    ? " " : "s ") + project.allowedKinds() + " only, and this task asks for '" + e.agentType()
                    + "' (by tag or custom field); an operator can allow it in projects." + task.project().gid()
                    + ".allowed_agents", Accounting.none(0), false);
        }
        // Checked before any money is spent: a run the caps do not admit waits, held.
        Set<BudgetScope> scopes = BudgetScope.of(task.project().gid(), e.agentType(), e.bot());
        if (budget.gate().admit(e.id(), scopes) instanceof BudgetDecision.Held held) {
            return finisher.held(r, held, scopes);
        }
        r.admitted(scopes);
        TaskReader.Thread thread = tasks.thread(loaded.get());
        AgentRequest.TaskView taskView = AgentViews.task(task);
        AgentRequest.ProjectView projectView = AgentViews.project(task);
        List<AgentRequest.CommentView> comments = AgentViews.thread(thread.comments());
        r.lastCommentId(thread.lastCommentId());
        ExecutionEvents.Buffered ctx = events.contextFor(r.slot.agentId(), e.id(), r.deadline);
        r.events(ctx);
        ctx.event("started", "info", "attempt " + e.attempt() + " of " + e.maxAttempts(),
                Map.of("attempt", e.attempt(), "kind", e.kind(), "agent_type", e.agentType(),
                        "instance", settings.instanceId(), "last_comment_id", thread.lastCommentId()));
        if (!e.mention()) {
            status.set(task.project().gid(), e.taskGid(), StatusField.Status.WORKING);
        }
        RunProgress shown = progress.begin(e);
        try {
            return attempt(r, agent, task, taskView, projectView, comments, ctx, shown, bot.get().settings().persona());
        } finally {
            Usage spent = r.usage().totalTokens() > 0 ? r.usage() : shown.usage();
            progress.end(shown, ProgressText.finished(shown.elapsed(), spent, shown.ending()));
        }
    }

    /** The attempt once started: prompt, worktree, the agent's run, its outcome. */
    private Ended attempt(Run r, Agent agent, MirroredTask task, AgentRequest.TaskView taskView,
                          AgentRequest.ProjectView projectView, List<AgentRequest.CommentView> comments,
                          ExecutionEvents.Buffered ctx, RunProgress shown, String persona) {
        Execution e = r.execution;
        long t0 = System.nanoTime();
        // Read before rendering: a database that cannot answer fails the attempt as any read here does.
        String recalled = memory.forTask(projectView.id(), taskView.id(), taskView.name(), taskView.notes());
        RenderedPrompt prompt;
        try {
            prompt = prompts.render(e.agentType(), taskView, comments, projectView, persona, recalled);
        } catch (RuntimeException ex) {
            ctx.event("error", "error", "prompt could not be rendered: " + ex.getMessage(), Map.of());
            return finisher.gaveUp(r, "failed", "the prompt could not be rendered: " + ex.getMessage(),
                    Accounting.none(0), false);
        }
        Map<String, Object> promptData = new LinkedHashMap<>();
        promptData.put("template_id", prompt.templateId());
        promptData.put("template", prompt.templateName());
        promptData.put("version", prompt.version());
        ctx.event("prompt_rendered", "info", null, promptData);
        Optional<Ended> waiting = gate.beforeRun(r, task, prompt);
        if (waiting.isPresent()) {
            return waiting.get();
        }
        // The answer waits for approval: nothing leaves the worktree (push, PR) before it is given.
        boolean holdFinish = gate.stages(task).contains(ApprovalStage.BEFORE_FINISH);
        CodingWork.Prepared prepared;
        try {
            prepared = coding.prepare(e, task, agent, ctx);
        } catch (InterruptedException ie) {
            return interrupted(r, ctx, prompt, millisSince(t0));
        }
        if (prepared instanceof CodingWork.Prepared.Failed f) {
            return finisher.gaveUp(r, "failed", f.reason(), Accounting.none(millisSince(t0)), false);
        }
        if (prepared instanceof CodingWork.Prepared.Busy) {
            return finisher.retryAt(r, Instant.now().plus(settings.lease()),
                    "the task's worktree is still held by an earlier run", Accounting.none(millisSince(t0)));
        }
        Optional<Worktree> worktree = prepared instanceof CodingWork.Prepared.Ready ready
                ? Optional.of(ready.worktree()) : Optional.empty();
        Optional<String> session = prepared instanceof CodingWork.Prepared.Ready ready
                ? ready.resumeSession() : Optional.empty();
        try {
            AgentRequest request = new AgentRequest(e.id(), e.attempt(), taskView, comments, projectView, prompt,
                    worktree, session);
            AgentOutcome outcome;
            Optional<CodingWork.Delivered> delivered = Optional.empty();
            try {
                outcome = agent.run(request, new ShownContext(ctx, shown));
                if (worktree.isPresent() && !(outcome instanceof AgentOutcome.Failed) && !r.state().gone()) {
                    delivered = Optional.of(coding.deliver(worktree.get(), task, ctx, holdFinish));
                    outcome = withWork(outcome, delivered.get().text());
                }
            } catch (InterruptedException ie) {
                return interrupted(r, ctx, prompt, millisSince(t0));
            } catch (RuntimeException ex) {
                outcome = new AgentOutcome.Failed(true, "the agent raised " + ex.getClass().getSimpleName() + ": "
                        + ex.getMessage(), Usage.NONE, null, null);
            }
            r.usage(outcome.usage());
            if (r.state().gone()) {
                ctx.event("cancelled", "info", "the execution was cancelled while the agent ran", Map.of());
                chargeStopped(r);
                return Ended.as(Ended.How.CANCELLED);
            }
            Thread.interrupted();
            shown.ending(outcome instanceof AgentOutcome.Done ? "answer below"
                    : outcome instanceof AgentOutcome.Question ? "question below" : "what went wrong below");
            Ended ended = outcome(r, ctx, outcome, prompt, millisSince(t0), holdFinish ? task : null);
            if (ended.how() != Ended.How.CANCELLED && delivered.isPresent()) {
                // The answer naming the commit is recorded (a done or question outcome is CANCELLED
                // when it could not be): only now is the commit told, else the next run tells it.
                coding.told(worktree.get(), delivered.get());
            }
            return ended;
        } finally {
            worktree.ifPresent(coding::release);
        }
    }

    /** A mention is answered while the task exists; other work while the task is still that bot's. */
    private static boolean stillAsked(Execution e, MirroredTask task, Bots.Bot bot) {
        return e.mention() ? !task.deleted() && !task.project().archived() : task.wantsBot(bot.gid());
    }

    /** A run cancelled under it still cost what its agent reported: charged by itself, its outcome already written. */
    private void chargeStopped(Run r) {
        Usage u = r.usage();
        try {
            budget.ledger().chargeStopped(new Ledger.Charge(r.execution.id(), r.execution.attempt(), r.scopes(),
                    u.costUsd(), u.totalTokens(), "cancelled"));
        } catch (RuntimeException ex) {
            LOG.warn("event=charge_not_recorded execution={} error={}", r.execution.id(), ex.getMessage());
        }
    }

    /** The answer with, below it, where the work went (kept in the recorded result, so a late report says it too). */
    private static AgentOutcome withWork(AgentOutcome o, String work) {
        if (work.isEmpty()) {
            return o;
        }
        if (o instanceof AgentOutcome.Done d) {
            return new AgentOutcome.Done(d.result().strip() + "\n\n" + work, d.usage(), d.outputExcerpt(), d.exitCode());
        }
        AgentOutcome.Question q = (AgentOutcome.Question) o;
        return new AgentOutcome.Question(q.question().strip() + "\n\n" + work, q.usage(), q.outputExcerpt(),
                q.exitCode());
    }

    /** A run that broke off on an unexpected error: recorded, and left to the lease rescue. */
    void recordError(Run r, RuntimeException ex) {
        events.record(r.slot.agentId(), r.execution.id(), "error", "error", "worker error: " + ex, Map.of());
    }

    /** What the agent came to, recorded and handed on; a done answer proposed for approval when {@code approvalOf} is set. */
    private Ended outcome(Run r, ExecutionEvents.Buffered ctx, AgentOutcome outcome, RenderedPrompt prompt, long ms,
                          MirroredTask approvalOf) {
        Execution e = r.execution;
        Usage u = r.usage();
        metrics.agentUsage(u.inputTokens(), u.outputTokens(), u.costUsd());
        Accounting acc = new Accounting(u.inputTokens(), u.outputTokens(), u.costUsd(), ms,
                prompt.templateId(), prompt.version(), outcome.exitCode(), outcome.outputExcerpt());
        boolean success = !(outcome instanceof AgentOutcome.Failed);
        if (prompt.templateId() != null) {
            try {
                prompts.recordUsage(prompt.templateId(), success, u.totalTokens());
            } catch (RuntimeException ex) {
                LOG.warn("event=prompt_usage_not_recorded template={} error={}", prompt.templateId(), ex.getMessage());
            }
        }
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("outcome", outcome instanceof AgentOutcome.Done ? "done"
                : outcome instanceof AgentOutcome.Question ? "question" : "failed");
        done.put("input_tokens", u.inputTokens());
        done.put("output_tokens", u.outputTokens());
        done.put("cost_usd", u.costUsd());
        done.put("duration_ms", acc.durationMs());
        done.put("exit_code", outcome.exitCode());
        ctx.event(success ? "completed" : "error", success ? "info" : "warn",
                outcome instanceof AgentOutcome.Failed f ? f.reason() : null, done);
        if (outcome instanceof AgentOutcome.Done d && approvalOf != null) {
            return gate.propose(r, approvalOf, d.result(), acc);
        }
        if (outcome instanceof AgentOutcome.Done d) {
            return finisher.answered(r, "done", d.result(), acc, new ResultReporter.Answer.Done(d.result()));
        }
        if (outcome instanceof AgentOutcome.Question q) {
            return finisher.answered(r, "question", q.question(), acc,
                    new ResultReporter.Answer.Question(q.question()));
        }
        AgentOutcome.Failed f = (AgentOutcome.Failed) outcome;
        String reason = f.reason() == null || f.reason().isBlank() ? "the agent gave no reason" : f.reason();
        if (retry.afterFailure(e.attempt(), e.maxAttempts(), f.transientFailure(), Instant.now())
                instanceof RetryPolicy.Decision.RetryAt at) {
            return finisher.retryAt(r, at.at(), reason, acc);
        }
        return finisher.gaveUp(r, "failed", reason, acc, false);
    }

    /** The agent was interrupted: by its time limit, the daemon stopping, a pause, or the task withdrawn. */
    private Ended interrupted(Run r, ExecutionEvents.Buffered ctx, RenderedPrompt prompt, long ms) {
        Thread.interrupted();
        if (r.is(RunState.TIMED_OUT)) {
            String reason = "it ran longer than " + settings.agentTimeout().toSeconds() + " s";
            ctx.event("timed_out", "error", reason, Map.of());
            return finisher.gaveUp(r, "timed_out", reason, new Accounting(0, 0, BigDecimal.ZERO, ms,
                    prompt.templateId(), prompt.version(), null, null), true);
        }
        if (r.is(RunState.STOPPING)) {
            ctx.event("released", "warn", "the daemon is stopping; another worker will take over", Map.of());
            return finisher.handBack(r);
        }
        if (r.is(RunState.PAUSED)) {
            ctx.event("paused", "warn", "an operator paused with --now; the run starts again after the resume",
                    Map.of());
            return finisher.pausedBack(r);
        }
        if (r.state().gone()) {
            ctx.event("cancelled", "info", "the execution was cancelled while the agent ran", Map.of());
            return Ended.as(Ended.How.CANCELLED);
        }
        // Interrupted with no reason recorded (the pool's threads stopped under it): another worker takes over.
        ctx.event("released", "warn", "the run was interrupted; another worker will take over", Map.of());
        return finisher.handBack(r);
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
