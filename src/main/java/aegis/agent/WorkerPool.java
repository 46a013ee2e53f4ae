package aegis.agent;

import aegis.asana.AsanaException;
import aegis.dispatch.Accounting;
import aegis.dispatch.DispatchSettings;
import aegis.dispatch.Execution;
import aegis.dispatch.ExecutionStore;
import aegis.dispatch.ExponentialBackoff;
import aegis.dispatch.QueueSignals;
import aegis.dispatch.RetryPolicy;
import aegis.dispatch.StatementPart;
import aegis.dispatch.TaskReader;
import aegis.dispatch.TaskSnapshot;
import aegis.metrics.Metrics;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent pool of one instance: worker slots per agent kind (each an {@code agents} row),
 * at most {@code AEGIS_AGENT_WORKERS} running at once and at most the kind's own limit per
 * kind. One dispatcher thread claims work whenever slots are free and it is woken (or the
 * backstop poll passes); a ticker renews leases, stops executions whose lease was lost
 * (cancelled elsewhere) and those past their time limit.
 *
 * <p>Per attempt: load the task and thread, render the prompt, run the agent, record the
 * outcome in the row (an answer owed), answer in Asana, finish the row. A crash anywhere
 * leaves either a pending/running row to rescue or an answer owed that the next worker
 * reports without running the agent again.
 */
public final class WorkerPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);
    /**
     * Reporting put off this often (Asana failing each time) ends the execution as failed. The
     * tries are spaced like retries, doubling from the dispatch backoff up to its cap: with the
     * defaults (30 s, 1 h) an answer outlives about four hours of Asana being unavailable.
     */
    static final int MAX_REPORT_DEFERRALS = 10;

    private final ExecutionStore store;
    private final TaskReader tasks;
    private final AgentRows rows;
    private final ExecutionEvents events;
    private final Map<String, Agent> agents;
    private final Prompts prompts;
    private final ResultReporter reporter;
    private final RetryPolicy retry;
    private final DispatchSettings settings;
    private final QueueSignals signals;
    private final Supplier<String> botGid;
    private final Metrics metrics;
    private final ExponentialBackoff reportBackoff;

    private final Map<String, ConcurrentLinkedQueue<Slot>> freeSlots = new LinkedHashMap<>();
    private final List<Long> agentIds = new ArrayList<>();
    private final AtomicInteger runningCount = new AtomicInteger();
    private final Map<Long, Running> running = new ConcurrentHashMap<>();
    private final ExecutorService workers;
    private final ScheduledExecutorService ticker;
    private volatile boolean stopping;
    private Thread dispatcher;
    private volatile long nextRenewal = System.nanoTime();
    private long lastForeignClaim;

    record Slot(Long agentId, String kind) {
    }

    /** A claimed execution and when its lease began (nanoTime taken before the claim). */
    record Claimed(Execution execution, long leaseFrom) {
    }

    private static final class Running {
        final Execution execution;
        final Slot slot;
        final Thread thread;
        final Instant deadline;
        final long startNanos = System.nanoTime();
        /** When the lease was last known to be extended (taken before the renewal was asked). */
        volatile long renewedNanos;
        volatile Usage usage = Usage.NONE;
        /** The worker's row was brought up to date with the execution's end, in its transaction. */
        volatile boolean agentRowDone;
        /** The slot's next execution, claimed in the statement that ended this one. */
        volatile Claimed next;
        /** That statement asked for a next execution (and {@link #next} is what it found). */
        volatile boolean askedNext;
        volatile long lastCommentId;
        volatile ExecutionEvents.Buffered events;
        volatile boolean lost;
        /** Lost because the person withdrew the task (the execution ended as cancelled elsewhere). */
        volatile boolean cancelled;
        /** Leaving the running state: a failed renewal now means nothing. */
        volatile boolean settled;
        volatile boolean timedOut;
        volatile boolean shutdown;

        Running(Execution execution, Slot slot, Thread thread, Instant deadline, long leaseFrom) {
            this.execution = execution;
            this.slot = slot;
            this.thread = thread;
            this.deadline = deadline;
            this.renewedNanos = leaseFrom;
        }
    }

    public WorkerPool(ExecutionStore store, TaskReader tasks, AgentRows rows, ExecutionEvents events,
                      Map<String, Agent> agents, Prompts prompts, ResultReporter reporter, RetryPolicy retry,
                      DispatchSettings settings, QueueSignals signals, Supplier<String> botGid, Metrics metrics) {
        this.store = store;
        this.tasks = tasks;
        this.rows = rows;
        this.events = events;
        this.agents = Map.copyOf(agents);
        this.prompts = prompts;
        this.reporter = reporter;
        this.retry = retry;
        this.settings = settings;
        this.signals = signals;
        this.botGid = botGid;
        this.metrics = metrics;
        Duration reportBase = settings.backoffBase().isZero() ? Duration.ofSeconds(1) : settings.backoffBase();
        this.reportBackoff = new ExponentialBackoff(reportBase,
                settings.backoffMax().compareTo(reportBase) < 0 ? reportBase : settings.backoffMax());
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "aegis-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // Two threads: the watch over deadlines must not wait behind a renewal stuck on the database.
        this.ticker = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "aegis-lease-ticker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public synchronized void start() {
        if (dispatcher != null) {
            return;
        }
        for (String kind : agents.keySet()) {
            int slots = settings.workersFor(kind);
            ConcurrentLinkedQueue<Slot> q = new ConcurrentLinkedQueue<>();
            for (int i = 1; i <= slots; i++) {
                long id = rows.register(settings.instanceId() + "/" + kind + "-" + i, kind, settings.instanceId(), slots);
                agentIds.add(id);
                q.add(new Slot(id, kind));
            }
            freeSlots.put(kind, q);
        }
        signals.onCancel(this::cancelled);
        ticker.scheduleWithFixedDelay(this::watch, 250, 250, TimeUnit.MILLISECONDS);
        ticker.scheduleWithFixedDelay(this::renewAndFlush, 250, 250, TimeUnit.MILLISECONDS);
        dispatcher = new Thread(this::dispatchLoop, "aegis-dispatcher");
        dispatcher.setDaemon(true);
        dispatcher.start();
        LOG.info("event=pool_started instance={} workers={} kinds={}", settings.instanceId(), settings.workers(),
                freeSlots.keySet());
    }

    private void dispatchLoop() {
        while (!stopping) {
            try {
                claimWhatFits();
                signals.await(settings.pollEvery());
            } catch (InterruptedException e) {
                if (stopping) {
                    return;
                }
            } catch (Throwable e) {
                // Anything, an Error too: a dead dispatcher would claim nothing, silently, for ever.
                if (e instanceof RuntimeException) {
                    LOG.warn("event=claim_failed error={}", e.getMessage());
                } else {
                    LOG.error("event=dispatcher_error error={}", e.toString(), e);
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ie) {
                    if (stopping) {
                        return;
                    }
                }
            }
        }
    }

    private void claimWhatFits() {
        boolean more = true;
        while (more && !stopping) {
            more = false;
            for (var entry : freeSlots.entrySet()) {
                int free = Math.min(entry.getValue().size(), settings.workers() - runningCount.get());
                if (free <= 0) {
                    continue;
                }
                List<Slot> slots = new ArrayList<>();
                for (Slot slot; slots.size() < free && (slot = entry.getValue().poll()) != null; ) {
                    slots.add(slot);
                }
                List<Execution> claimed;
                long leaseFrom = System.nanoTime();
                try {
                    // The workers' rows turn busy in the claim's own transaction: no commit of their own.
                    claimed = store.claim(settings.instanceId(), entry.getKey(), List.of(), slots.size(),
                            settings.lease(), (c, got) -> AgentRows.busyIn(c,
                                    slots.subList(0, got.size()).stream().map(Slot::agentId).toList(),
                                    got.stream().map(Execution::taskId).toList()));
                } catch (RuntimeException ex) {
                    entry.getValue().addAll(slots);
                    throw ex;
                }
                for (int i = 0; i < claimed.size(); i++) {
                    start(new Claimed(claimed.get(i), leaseFrom), slots.get(i));
                }
                entry.getValue().addAll(slots.subList(claimed.size(), slots.size()));
                more |= !slots.isEmpty() && claimed.size() == slots.size();
            }
            // Work for a kind no instance here runs: fail it so the person hears, rather than let it wait
            // forever. Rare, and the query reads past all pending work, so it runs once per poll period.
            int free = settings.workers() - runningCount.get();
            long now = System.nanoTime();
            if (free > 0 && !stopping && now - lastForeignClaim >= settings.pollEvery().toNanos()) {
                lastForeignClaim = now;
                long leaseFrom = System.nanoTime();
                for (Execution e : store.claim(settings.instanceId(), null, List.copyOf(agents.keySet()),
                        Math.min(free, 4), settings.lease())) {
                    start(new Claimed(e, leaseFrom), new Slot(null, e.agentType()));
                }
            }
        }
    }

    private void start(Claimed c, Slot slot) {
        runningCount.incrementAndGet();
        workers.execute(() -> runChain(c, slot));
    }

    /**
     * Runs {@code first}, then, while work of the slot's kind is waiting, claims the next one
     * itself (keeping its slot) rather than handing back to the dispatcher: workers claim in
     * parallel instead of queueing behind one dispatcher thread's round trips.
     */
    private void runChain(Claimed first, Slot slot) {
        try {
            Claimed next = first;
            while (next != null) {
                Running ran = run(next, slot);
                next = ran.next;
                // An ending that already asked for the next execution and found none: asking again is waste.
                if (next == null && !ran.askedNext && !stopping && slot.agentId() != null) {
                    try {
                        long leaseFrom = System.nanoTime();
                        List<Execution> got = store.claim(settings.instanceId(), slot.kind(), List.of(), 1,
                                settings.lease(), (c, claimed) -> AgentRows.busyIn(c, List.of(slot.agentId()),
                                        List.of(claimed.get(0).taskId())));
                        next = got.isEmpty() ? null : new Claimed(got.get(0), leaseFrom);
                    } catch (RuntimeException ex) {
                        LOG.warn("event=claim_failed error={}", ex.getMessage());
                    }
                }
            }
        } catch (Throwable t) {
            LOG.error("event=worker_died kind={} error={}", slot.kind(), t.toString(), t);
            throw t;
        } finally {
            if (slot.agentId() != null) {
                freeSlots.get(slot.kind()).add(slot);
            }
            runningCount.decrementAndGet();
            signals.wake();
        }
    }

    /** Runs one execution; its {@code next} is the one claimed along with its end, if any. */
    private Running run(Claimed claimed, Slot slot) {
        Execution e = claimed.execution();
        Thread.interrupted();
        Running r = new Running(e, slot, Thread.currentThread(), Instant.now().plus(settings.agentTimeout()),
                claimed.leaseFrom());
        Running earlier = running.putIfAbsent(e.id(), r);
        if (earlier != null) {
            // Claimed again here after a rescue: the earlier run's lease token is void, so it stops.
            LOG.warn("event=execution_claimed_again execution={} task={}", e.id(), e.taskGid());
            earlier.lost = true;
            earlier.thread.interrupt();
            running.put(e.id(), r);
        }
        Ended ended = Ended.NOT_YET;
        Usage usage = Usage.NONE;
        try {
            if (e.owedOutcome() != null) {
                ended = reportOwed(e, r);
                return r;
            }
            Attempt a = attempt(e, r, slot);
            usage = a.usage();
            ended = a.ended();
        } catch (RuntimeException ex) {
            LOG.error("event=worker_error execution={} error={}", e.id(), ex.toString());
            events.record(slot.agentId(), e.id(), "error", "error", "worker error: " + ex, Map.of());
        } finally {
            running.remove(e.id(), r);
            Thread.interrupted();
            flush(r);
            long ms = (System.nanoTime() - r.startNanos) / 1_000_000;
            try {
                if (slot.agentId() != null && !r.agentRowDone) {
                    rows.idle(slot.agentId(), ended == Ended.COMPLETED, ended == Ended.FAILED, ms,
                            usage.inputTokens(), usage.outputTokens(), usage.costUsd());
                }
            } catch (RuntimeException ex) {
                LOG.warn("event=agent_row_not_updated agent={} error={}", slot.agentId(), ex.getMessage());
            }
            if (r.cancelled && ended == Ended.CANCELLED) {
                metrics.executionFinished("cancelled", took(r));
            }
            metrics.registry().counter("aegis_dispatch_attempts_total", "ended", ended.name().toLowerCase()).increment();
        }
        return r;
    }

    enum Ended { NOT_YET, COMPLETED, FAILED, RETRY, CANCELLED, RELEASED }

    record Attempt(Ended ended, Usage usage) {
    }

    private Attempt attempt(Execution e, Running r, Slot slot) {
        String owner = e.leaseOwner();
        Agent agent = agents.get(e.agentType());
        if (agent == null) {
            String reason = "no agent of kind '" + e.agentType() + "' is configured";
            return new Attempt(giveUp(e, r, "failed", reason, Accounting.none(0), false), Usage.NONE);
        }
        Optional<TaskReader.Loaded> loaded = tasks.taskWithThread(e.taskId());
        Optional<TaskSnapshot> snap = loaded.map(TaskReader.Loaded::task);
        String bot = botGid.get();
        if (snap.isEmpty() || !snap.get().wantsBot(bot)) {
            if (store.cancelOwn(e.id(), owner, "the task no longer asks the bot for work")) {
                metrics.executionFinished("cancelled", took(r));
            }
            events.record(slot.agentId(), e.id(), "cancelled", "info", "task withdrawn before the run", Map.of());
            return new Attempt(Ended.CANCELLED, Usage.NONE);
        }
        TaskReader.Thread thread = loaded.get().thread();
        r.lastCommentId = thread.lastCommentId();
        ExecutionEvents.Buffered ctx = events.contextFor(slot.agentId(), e.id(), r.deadline);
        r.events = ctx;
        ctx.event("started", "info", "attempt " + e.attempt() + " of " + e.maxAttempts(),
                Map.of("attempt", e.attempt(), "kind", e.kind(), "agent_type", e.agentType(),
                        "instance", settings.instanceId(), "last_comment_id", thread.lastCommentId()));
        long t0 = System.nanoTime();
        RenderedPrompt prompt;
        try {
            prompt = prompts.render(e.agentType(), snap.get().task(), thread.comments(), snap.get().project());
        } catch (RuntimeException ex) {
            ctx.event("error", "error", "prompt could not be rendered: " + ex.getMessage(), Map.of());
            return new Attempt(giveUp(e, r, "failed", "the prompt could not be rendered: " + ex.getMessage(),
                    Accounting.none(0), false), Usage.NONE);
        }
        Map<String, Object> promptData = new LinkedHashMap<>();
        promptData.put("template_id", prompt.templateId());
        promptData.put("template", prompt.templateName());
        promptData.put("version", prompt.version());
        ctx.event("prompt_rendered", "info", null, promptData);
        AgentRequest request = new AgentRequest(e.id(), e.attempt(), snap.get().task(), thread.comments(),
                snap.get().project(), prompt);
        AgentOutcome outcome;
        try {
            outcome = agent.run(request, ctx);
        } catch (InterruptedException ie) {
            return new Attempt(interrupted(e, r, ctx, prompt, durationSince(t0)), Usage.NONE);
        } catch (RuntimeException ex) {
            outcome = new AgentOutcome.Failed(true, "the agent raised " + ex.getClass().getSimpleName() + ": "
                    + ex.getMessage(), Usage.NONE, null, null);
        }
        if (r.lost) {
            ctx.event("cancelled", "info", "the execution was cancelled while the agent ran", Map.of());
            return new Attempt(Ended.CANCELLED, outcome.usage());
        }
        Thread.interrupted();
        Usage u = outcome.usage() == null ? Usage.NONE : outcome.usage();
        r.usage = u;
        metrics.agentUsage(u.inputTokens(), u.outputTokens(), u.costUsd());
        Accounting acc = new Accounting(u.inputTokens(), u.outputTokens(), u.costUsd(), durationSince(t0),
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
        done.put("outcome", outcomeName(outcome));
        done.put("input_tokens", u.inputTokens());
        done.put("output_tokens", u.outputTokens());
        done.put("cost_usd", u.costUsd());
        done.put("duration_ms", acc.durationMs());
        done.put("exit_code", outcome.exitCode());
        ctx.event(success ? "completed" : "error", success ? "info" : "warn",
                outcome instanceof AgentOutcome.Failed f ? f.reason() : null, done);
        if (outcome instanceof AgentOutcome.Done d) {
            return new Attempt(answer(e, r, "done", d.result(), null, acc, new ResultReporter.Answer.Done(d.result())), u);
        }
        if (outcome instanceof AgentOutcome.Question q) {
            return new Attempt(answer(e, r, "question", q.question(), null, acc,
                    new ResultReporter.Answer.Question(q.question())), u);
        }
        AgentOutcome.Failed f = (AgentOutcome.Failed) outcome;
        String reason = f.reason() == null || f.reason().isBlank() ? "the agent gave no reason" : f.reason();
        if (retry.afterFailure(e.attempt(), e.maxAttempts(), f.transientFailure(), Instant.now())
                instanceof RetryPolicy.Decision.RetryAt at) {
            flush(r);
            r.settled = true;
            if (!store.scheduleRetry(e.id(), owner, at.at(), reason, acc)) {
                return new Attempt(Ended.CANCELLED, u);
            }
            LOG.info("event=execution_retry execution={} attempt={} at={}", e.id(), e.attempt(), at.at());
            try {
                reporter.retrying(e, reason, at.at());
            } catch (RuntimeException ex) {
                LOG.warn("event=retry_notice_failed execution={} error={}", e.id(), ex.getMessage());
            }
            return new Attempt(Ended.RETRY, u);
        }
        return new Attempt(giveUp(e, r, "failed", reason, acc, false), u);
    }

    private Ended interrupted(Execution e, Running r, AgentContext ctx, RenderedPrompt prompt, long ms) {
        Thread.interrupted();
        if (r.timedOut) {
            String reason = "it ran longer than " + settings.agentTimeout().toSeconds() + " s";
            ctx.event("timed_out", "error", reason, Map.of());
            return giveUp(e, r, "timed_out", reason, new Accounting(0, 0, BigDecimal.ZERO, ms,
                    prompt.templateId(), prompt.version(), null, null), true);
        }
        if (r.shutdown) {
            ctx.event("released", "warn", "the daemon is stopping; another worker will take over", Map.of());
            store.release(e.id(), e.leaseOwner());
            return Ended.RELEASED;
        }
        ctx.event("cancelled", "info", "the execution was cancelled while the agent ran", Map.of());
        return Ended.CANCELLED;
    }

    /** Records a final failure as the owed answer, then reports it. */
    private Ended giveUp(Execution e, Running r, String outcome, String reason, Accounting acc, boolean timedOut) {
        if (!recordOutcome(e, r, outcome, null, reason, acc)) {
            return Ended.CANCELLED;
        }
        return report(e, r, "failed", new ResultReporter.Answer.Failed(reason, Math.max(1, e.attempt()), timedOut),
                false);
    }

    private Ended answer(Execution e, Running r, String outcome, String result, String error, Accounting acc,
                         ResultReporter.Answer answer) {
        if (!recordOutcome(e, r, outcome, result, error, acc)) {
            return Ended.CANCELLED;
        }
        return report(e, r, "completed", answer, false);
    }

    /** The outcome, with the attempt's events buffered so far, in one statement. */
    private boolean recordOutcome(Execution e, Running r, String outcome, String result, String error,
                                  Accounting acc) {
        ExecutionEvents.Taken events = take(r);
        try {
            return store.recordOutcome(e.id(), e.leaseOwner(), outcome, result, error, e.agentType(), acc,
                    r.lastCommentId, events);
        } catch (RuntimeException ex) {
            events.giveBack();
            throw ex;
        }
    }

    private Ended reportOwed(Execution e, Running r) {
        ResultReporter.Answer answer = switch (e.owedOutcome()) {
            case "done" -> new ResultReporter.Answer.Done(e.result());
            case "question" -> new ResultReporter.Answer.Question(e.result());
            default -> new ResultReporter.Answer.Failed(e.error() == null ? "unknown" : e.error(),
                    Math.max(1, e.attempt()), "timed_out".equals(e.owedOutcome()));
        };
        String status = answer instanceof ResultReporter.Answer.Failed ? "failed" : "completed";
        return report(e, r, status, answer, true);
    }

    private Ended report(Execution e, Running r, String status, ResultReporter.Answer answer, boolean lookFirst) {
        if (r.lost) {
            return Ended.CANCELLED;
        }
        String story;
        try {
            story = reporter.answer(e, answer, lookFirst);
        } catch (RuntimeException ex) {
            if (r.lost) {
                return Ended.CANCELLED;
            }
            if (ex instanceof AsanaException.NotFound) {
                return abandonReport(e, r, "cancelled", "the task was deleted in Asana before the answer was posted: "
                        + ex.getMessage());
            }
            if (isPermanent(ex)) {
                return abandonReport(e, r, "failed", "the answer can never be posted (" + ex.getClass().getSimpleName()
                        + "): " + ex.getMessage());
            }
            if (!r.shutdown && e.reportDeferrals() >= MAX_REPORT_DEFERRALS) {
                return abandonReport(e, r, "failed", "the answer could not be posted after "
                        + (e.reportDeferrals() + 1) + " tries: " + ex.getMessage());
            }
            Instant again = Instant.now().plus(reportBackoff.delay(e.reportDeferrals() + 1));
            LOG.warn("event=report_failed execution={} retry_at={} error={}", e.id(), again, ex.getMessage());
            if (r.shutdown) {
                store.release(e.id(), e.leaseOwner());
                return Ended.RELEASED;
            }
            r.settled = true;
            store.deferReport(e.id(), e.leaseOwner(), again);
            return Ended.RETRY;
        }
        r.settled = true;
        boolean completed = "completed".equals(status);
        boolean finished = end(r, completed, !completed,
                (next, also) -> store.finish(e.id(), e.leaseOwner(), status, story, next, also));
        r.agentRowDone = true;
        if (!finished) {
            return Ended.CANCELLED;
        }
        LOG.info("event=execution_finished execution={} task={} status={} answer={}", e.id(), e.taskGid(), status,
                answer.getClass().getSimpleName().toLowerCase());
        metrics.executionFinished(answer instanceof ResultReporter.Answer.Done ? "done"
                : answer instanceof ResultReporter.Answer.Question ? "question"
                : answer instanceof ResultReporter.Answer.Failed f && f.timedOut() ? "timed_out" : "failed", took(r));
        return "completed".equals(status) ? Ended.COMPLETED : Ended.FAILED;
    }

    /** Asana refuses this request as such: asking again changes nothing. */
    private static boolean isPermanent(RuntimeException ex) {
        return ex instanceof AsanaException.Forbidden || ex instanceof AsanaException.PaymentRequired
                || ex instanceof AsanaException.BadRequest || ex instanceof AsanaException.NotFound;
    }

    /**
     * The owed answer can never be posted: the execution ends ({@code failed}, or {@code cancelled}
     * for a deleted task) with the reason recorded, freeing the task's one open slot.
     */
    private Ended abandonReport(Execution e, Running r, String status, String why) {
        r.settled = true;
        boolean failed = "failed".equals(status);
        boolean ended = end(r, false, failed,
                (next, also) -> store.abandonReport(e.id(), e.leaseOwner(), status, why, next, also));
        r.agentRowDone = true;
        if (!ended) {
            return Ended.CANCELLED;
        }
        LOG.error("event=report_abandoned execution={} task={} status={} error={}", e.id(), e.taskGid(), status, why);
        metrics.executionFinished(status, took(r));
        try {
            events.record(r.slot.agentId(), e.id(), "error", "error", why, Map.of("status", status));
        } catch (RuntimeException ex) {
            LOG.warn("event=agent_event_not_recorded execution={} error={}", e.id(), ex.getMessage());
        }
        return failed ? Ended.FAILED : Ended.CANCELLED;
    }

    /** One of the store's ending statements, given the next claim and what rides along. */
    @FunctionalInterface
    private interface Ending {
        ExecutionStore.Ending run(ExecutionStore.ClaimNext next, StatementPart also);
    }

    /**
     * Ends an execution in one statement with its last events, the worker's row (totals added;
     * {@code completed}/{@code failed} counted if the ending applied) and, unless stopping, the
     * slot's next execution claimed: one round trip and one commit instead of five. Returns
     * whether the ending applied; the claim lands in {@code r.next}.
     */
    private boolean end(Running r, boolean completed, boolean failed, Ending ending) {
        r.next = null;
        ExecutionEvents.Taken events = take(r);
        boolean worker = r.slot.agentId() != null;
        ExecutionStore.ClaimNext next = worker && !stopping
                ? new ExecutionStore.ClaimNext(settings.instanceId(), r.slot.kind(), settings.lease()) : null;
        Usage u = r.usage;
        StatementPart row = worker
                ? AgentRows.endedPart(r.slot.agentId(), completed, failed, (System.nanoTime() - r.startNanos) / 1_000_000,
                        u.inputTokens(), u.outputTokens(), u.costUsd())
                : StatementPart.NONE;
        long leaseFrom = System.nanoTime();
        ExecutionStore.Ending done;
        try {
            done = ending.run(next, StatementPart.of(events, row));
        } catch (RuntimeException ex) {
            // Should the connection drop just after the server committed, the events are written
            // twice and the claim is rescued when its lease runs out: a duplicate beats a loss.
            events.giveBack();
            throw ex;
        }
        r.next = done.next().map(x -> new Claimed(x, leaseFrom)).orElse(null);
        r.askedNext = next != null;
        return done.ended();
    }

    /** The events buffered for {@code r} so far, to be written by a transition's statement. */
    private static ExecutionEvents.Taken take(Running r) {
        ExecutionEvents.Buffered b = r.events;
        return b == null ? ExecutionEvents.Taken.NONE : b.take();
    }

    private static void flush(Running r) {
        ExecutionEvents.Buffered b = r.events;
        if (b != null) {
            b.flush();
        }
    }

    private static String outcomeName(AgentOutcome o) {
        return o instanceof AgentOutcome.Done ? "done" : o instanceof AgentOutcome.Question ? "question" : "failed";
    }

    /** Since the attempt started in this worker. */
    private static Duration took(Running r) {
        return Duration.ofNanos(System.nanoTime() - r.startNanos);
    }

    private static long durationSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** A cancellation NOTIFY (or an in-process one): stop that execution if it runs here. */
    public void cancelled(long executionId) {
        Running r = running.get(executionId);
        if (r != null) {
            LOG.info("event=execution_cancelled execution={} task={}", executionId, r.execution.taskGid());
            r.cancelled = true;
            r.lost = true;
            r.thread.interrupt();
        }
    }

    /**
     * Deadlines, without the database: past the agent timeout, or no successful renewal for
     * longer than {@code lease − renewEvery} (the lease may be rescued and claimed again
     * soon), the run is interrupted and treated as lost.
     */
    private void watch() {
        try {
            Instant now = Instant.now();
            long nanos = System.nanoTime();
            long unrenewedMax = settings.lease().minus(settings.renewEvery()).toNanos();
            for (Running r : running.values()) {
                if (!r.timedOut && now.isAfter(r.deadline)) {
                    r.timedOut = true;
                    r.thread.interrupt();
                }
                if (!r.lost && !r.settled && !r.shutdown && nanos - r.renewedNanos > unrenewedMax) {
                    LOG.error("event=lease_not_renewed execution={} unrenewed_ms={}", r.execution.id(),
                            (nanos - r.renewedNanos) / 1_000_000);
                    r.lost = true;
                    r.thread.interrupt();
                }
            }
        } catch (Throwable e) {
            // A scheduled task that throws is never run again: nothing may escape.
            LOG.error("event=lease_watch_failed error={}", e.toString(), e);
        }
    }

    /** Renews the leases still held (first: events can wait, leases can't), then flushes events. */
    private void renewAndFlush() {
        try {
            long now = System.nanoTime();
            if (now - nextRenewal >= 0 && !running.isEmpty()) {
                List<Running> asked = new ArrayList<>();
                Map<Long, String> tokens = new HashMap<>();
                for (Running r : running.values()) {
                    if (!r.lost && !r.settled && !r.shutdown) {
                        asked.add(r);
                        tokens.put(r.execution.id(), r.execution.leaseOwner());
                    }
                }
                try {
                    var kept = store.renewAll(tokens, settings.lease());
                    nextRenewal = now + settings.renewEvery().toNanos();
                    for (Running r : asked) {
                        if (kept.contains(r.execution.id())) {
                            r.renewedNanos = now;
                        } else if (!r.shutdown && !r.settled) {
                            // Not renewed: cancelled, or rescued (perhaps claimed again). No longer ours.
                            LOG.info("event=lease_lost execution={}", r.execution.id());
                            r.lost = true;
                            r.thread.interrupt();
                        }
                    }
                } catch (RuntimeException e) {
                    nextRenewal = now + Math.min(Duration.ofSeconds(1).toNanos(), settings.renewEvery().toNanos());
                    LOG.warn("event=lease_renewal_failed running={} error={}", asked.size(), e.getMessage());
                }
            }
            for (Running r : running.values()) {
                flush(r);
            }
        } catch (Throwable e) {
            // A scheduled task that throws is never run again: nothing may escape.
            LOG.error("event=lease_tick_failed error={}", e.toString(), e);
        }
    }

    /**
     * Stops claiming, lets running executions finish within the grace period, then
     * interrupts the rest and hands their leases back (not counted as attempts).
     */
    @Override
    public void close() {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
        }
        if (dispatcher != null) {
            dispatcher.interrupt();
        }
        long graceEnd = System.nanoTime() + settings.grace().toNanos();
        while (runningCount.get() > 0 && System.nanoTime() < graceEnd) {
            sleep(50);
        }
        List<Running> left = List.copyOf(running.values());
        for (Running r : left) {
            r.shutdown = true;
            r.thread.interrupt();
        }
        long stopEnd = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (runningCount.get() > 0 && System.nanoTime() < stopEnd) {
            sleep(50);
        }
        for (Running r : running.values()) {
            // An agent that ignored the interrupt: its lease goes back anyway; its later writes change nothing.
            store.release(r.execution.id(), r.execution.leaseOwner());
        }
        ticker.shutdownNow();
        workers.shutdownNow();
        try {
            rows.setStatus(agentIds, "stopped");
        } catch (RuntimeException e) {
            LOG.warn("event=agent_rows_not_stopped error={}", e.getMessage());
        }
        LOG.info("event=pool_stopped instance={} released={}", settings.instanceId(), left.size());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
