package aegis.dispatch;

import aegis.agent.Usage;
import aegis.asana.AsanaException;
import aegis.db.StatementPart;
import aegis.governance.BudgetDecision;
import aegis.governance.BudgetScope;
import aegis.governance.Ledger;
import aegis.memory.ProjectMemory;
import aegis.metrics.Metrics;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends an attempt: records its outcome (the answer owed, with the attempt's events, committed
 * before anything is said in Asana), reports it in Asana, and ends the execution in one
 * statement that also brings the worker's row up to date and claims the slot's next execution.
 * When Asana fails, the report is put off and tried again later; when Asana refuses it for good,
 * the execution ends without it. Retries and withdrawals end here too.
 */
final class Finisher {
    private static final Logger LOG = LoggerFactory.getLogger(Finisher.class);
    /**
     * Reporting put off this often (Asana failing each time) ends the execution as failed. The
     * tries are spaced like retries, doubling from the dispatch backoff up to its cap: with the
     * defaults (30 s, 1 h) an answer outlives about four hours of Asana being unavailable.
     */
    static final int MAX_REPORT_DEFERRALS = 10;

    private final ExecutionStore store;
    private final ResultReporter reporter;
    private final ExecutionEvents events;
    private final DispatchSettings settings;
    private final Metrics metrics;
    private final ExponentialBackoff reportBackoff;
    private final ClaimScopes scopes;
    private final ProjectMemory memory;
    private volatile boolean claiming = true;

    Finisher(ExecutionStore store, ResultReporter reporter, ExecutionEvents events, DispatchSettings settings,
             Metrics metrics, ClaimScopes scopes, ProjectMemory memory) {
        this.memory = memory;
        this.store = store;
        this.scopes = scopes;
        this.reporter = reporter;
        this.events = events;
        this.settings = settings;
        this.metrics = metrics;
        Duration base = settings.backoffBase().isZero() ? Duration.ofSeconds(1) : settings.backoffBase();
        this.reportBackoff = new ExponentialBackoff(base,
                settings.backoffMax().compareTo(base) < 0 ? base : settings.backoffMax());
    }

    /** The pool is draining: endings no longer claim a next execution. */
    void stopClaiming() {
        claiming = false;
    }

    /** The agent answered (done or a question): record it, keep a done answer for recall, then say it. */
    Ended answered(Run r, String outcome, String result, Accounting acc, ResultReporter.Answer answer) {
        if (!recordOutcome(r, outcome, result, null, acc)) {
            return Ended.as(Ended.How.CANCELLED);
        }
        remember(r.execution, outcome, result);
        return report(r, "completed", answer, false);
    }

    /**
     * After the outcome's statement, queued to be indexed off this thread (see {@link ProjectMemory}).
     * An answer not indexed is one fewer memory, never a reason to withhold the answer.
     */
    private void remember(Execution e, String outcome, String result) {
        try {
            memory.answered(e.id(), e.taskId(), outcome, result);
        } catch (RuntimeException ex) {
            LOG.warn("event=answer_not_indexed execution={} task={} error={}", e.id(), e.taskGid(), ex.getMessage());
        }
    }

    /** A final failure: recorded as the answer owed, then reported. */
    Ended gaveUp(Run r, String outcome, String reason, Accounting acc, boolean timedOut) {
        if (!recordOutcome(r, outcome, null, reason, acc)) {
            return Ended.as(Ended.How.CANCELLED);
        }
        Execution e = r.execution;
        return report(r, "failed", new ResultReporter.Answer.Failed(reason, Math.max(1, e.attempt()), timedOut),
                false);
    }

    /** An outcome recorded by an earlier attempt whose answer was not posted: post it now. */
    Ended reportOwed(Run r) {
        Execution e = r.execution;
        ResultReporter.Answer answer = switch (e.owedOutcome()) {
            case "done" -> new ResultReporter.Answer.Done(e.result());
            case "question" -> new ResultReporter.Answer.Question(e.result());
            default -> new ResultReporter.Answer.Failed(e.error() == null ? "unknown" : e.error(),
                    Math.max(1, e.attempt()), "timed_out".equals(e.owedOutcome()));
        };
        String status = answer instanceof ResultReporter.Answer.Failed ? "failed" : "completed";
        // The attempt that recorded it may have stopped before its answer was indexed: indexed once, so again is harmless.
        remember(e, e.owedOutcome(), e.result());
        return report(r, status, answer, true);
    }

    /** A transient failure with attempts left: scheduled again, and the person told when. */
    Ended retryAt(Run r, Instant at, String reason, Accounting acc) {
        Execution e = r.execution;
        r.flushEvents();
        r.become(RunState.SETTLED);
        if (!store.scheduleRetry(e.id(), e.leaseOwner(), at, reason, acc, charge(r, acc, "retry"))) {
            return Ended.as(Ended.How.CANCELLED);
        }
        LOG.info("event=execution_retry execution={} attempt={} at={}", e.id(), e.attempt(), at);
        try {
            reporter.retrying(e, reason, at);
        } catch (RuntimeException ex) {
            LOG.warn("event=retry_notice_failed execution={} error={}", e.id(), ex.getMessage());
        }
        return Ended.as(Ended.How.RETRY);
    }

    /**
     * The execution waits for a person: the request posted (its own marker, so once), then the
     * execution parked with {@code requested} (the approval recorded, given the request's story) and
     * the run's events, in one statement. Asana failing puts the request off like an answer.
     */
    Ended awaitApproval(Run r, String marker, String text, java.util.function.Function<String, StatementPart> requested) {
        Execution e = r.execution;
        if (r.state().gone()) {
            return Ended.as(Ended.How.CANCELLED);
        }
        String story;
        try {
            story = reporter.ask(e, marker, text, true);
        } catch (RuntimeException ex) {
            if (e.owedOutcome() != null || r.state().gone()) {
                return reportFailed(r, ex);
            }
            if (r.is(RunState.STOPPING)) {
                return handBack(r);
            }
            // Nothing recorded yet: try again later, the attempt not counted against the agent.
            Instant again = Instant.now().plus(reportBackoff.delay(Math.max(1, e.attempt())));
            LOG.warn("event=approval_request_failed execution={} retry_at={} error={}", e.id(), again, ex.getMessage());
            r.flushEvents();
            r.become(RunState.SETTLED);
            store.scheduleRetry(e.id(), e.leaseOwner(), again, "the approval request could not be posted: "
                    + ex.getMessage(), Accounting.none(0));
            return Ended.as(Ended.How.RETRY);
        }
        r.become(RunState.SETTLED);
        ExecutionEvents.Taken taken = r.takeEvents();
        boolean parked;
        try {
            parked = store.awaitApproval(e.id(), e.leaseOwner(), StatementPart.of(taken, requested.apply(story)));
        } catch (RuntimeException ex) {
            taken.giveBack();
            throw ex;
        }
        if (!parked) {
            return Ended.as(Ended.How.CANCELLED);
        }
        LOG.info("event=approval_requested execution={} task={} story={}", e.id(), e.taskGid(), story);
        return Ended.as(Ended.How.AWAITING);
    }

    /** The agent's answer is recorded (owed), then shown as a proposal waiting for approval. */
    Ended propose(Run r, String result, Accounting acc, String marker, String text,
                  java.util.function.Function<String, StatementPart> requested) {
        if (!recordOutcome(r, "done", result, null, acc)) {
            return Ended.as(Ended.How.CANCELLED);
        }
        return awaitApproval(r, marker, text, requested);
    }

    /** A refused approval: the reply is the execution's last word, and it ends cancelled. */
    Ended declined(Run r, String reply) {
        return report(r, "cancelled", new ResultReporter.Answer.Declined(reply), true);
    }

    /** The proposed answer was approved: the final word, then completion or the move, as for any answer. */
    Ended approvedFinish(Run r, String text) {
        // The answer kept is the agent's, recorded when it was proposed; the text is only the approval's word.
        remember(r.execution, "done", r.execution.result());
        return report(r, "completed", new ResultReporter.Answer.Done(text), true);
    }

    /** The task no longer asks the bot for work: the execution ends as cancelled before any run. */
    Ended withdrawn(Run r) {
        Execution e = r.execution;
        if (store.cancelOwn(e.id(), e.leaseOwner(), "the task no longer asks the bot for work")) {
            metrics.executionFinished("cancelled", r.took());
        }
        events.record(r.slot.agentId(), e.id(), "cancelled", "info", "task withdrawn before the run", Map.of());
        return Ended.as(Ended.How.CANCELLED);
    }

    /** The daemon is stopping mid-run: the lease goes back, not counted as an attempt. */
    Ended handBack(Run r) {
        store.release(r.execution.id(), r.execution.leaseOwner(), settings.maxInterruptions());
        return Ended.as(Ended.How.RELEASED);
    }

    /** Paused with {@code --now} mid-run: the lease goes back, neither attempt nor interruption counted. */
    Ended pausedBack(Run r) {
        store.release(r.execution.id(), r.execution.leaseOwner(), settings.maxInterruptions(), false);
        return Ended.as(Ended.How.RELEASED);
    }

    /**
     * A spending cap keeps the run from starting: the person is told once (unless it only waits for
     * runs in flight), then the execution waits as held. Should the notice fail, it is held as waiting
     * for runs in flight, which the release lets go again soon: the next try tells the person.
     */
    Ended held(Run r, BudgetDecision.Held h, Set<BudgetScope> scopes) {
        Execution e = r.execution;
        boolean quiet = h.runsInFlight();
        if (!quiet) {
            try {
                reporter.held(e, h.notice());
            } catch (RuntimeException ex) {
                LOG.warn("event=budget_notice_failed execution={} error={}", e.id(), ex.getMessage());
                quiet = true;
            }
        }
        r.become(RunState.SETTLED);
        List<String> names = scopes.stream().map(BudgetScope::toString).sorted().toList();
        if (!store.hold(e.id(), e.leaseOwner(), h.reason(), names, h.cap().name(), quiet)) {
            return Ended.as(Ended.How.CANCELLED);
        }
        Map<String, Object> hold = new LinkedHashMap<>();
        hold.put("scopes", names);
        hold.put("cap", h.cap().name());
        hold.put("quiet", quiet);
        LOG.info("event=execution_held execution={} task={} cap={} in_flight={}", e.id(), e.taskGid(),
                h.cap().name(), h.runsInFlight());
        events.record(r.slot.agentId(), e.id(), "budget_held", "info", h.reason(), hold);
        metrics.registry().counter("aegis_budget_held", "cap", h.cap().name()).increment();
        return Ended.as(Ended.How.RELEASED);
    }

    /** The attempt's charge to the ledger, in its outcome's statement; nothing for a run never admitted. */
    private static StatementPart charge(Run r, Accounting acc, String outcome) {
        if (r.scopes() == null) {
            return StatementPart.NONE;
        }
        return Ledger.charge(new Ledger.Charge(r.execution.id(), r.execution.attempt(), r.scopes(), acc.costUsd(),
                acc.inputTokens() + acc.outputTokens(), outcome));
    }

    /** The outcome, with the attempt's events buffered so far, in one statement. */
    private boolean recordOutcome(Run r, String outcome, String result, String error, Accounting acc) {
        Execution e = r.execution;
        ExecutionEvents.Taken taken = r.takeEvents();
        try {
            return store.recordOutcome(e.id(), e.leaseOwner(), outcome, result, error, e.agentType(), acc,
                    r.lastCommentId(), StatementPart.of(taken, charge(r, acc, outcome)));
        } catch (RuntimeException ex) {
            taken.giveBack();
            throw ex;
        }
    }

    private Ended report(Run r, String status, ResultReporter.Answer answer, boolean lookFirst) {
        Execution e = r.execution;
        if (r.state().gone()) {
            return Ended.as(Ended.How.CANCELLED);
        }
        String story;
        try {
            story = reporter.answer(e, answer, lookFirst);
        } catch (RuntimeException ex) {
            return reportFailed(r, ex);
        }
        r.become(RunState.SETTLED);
        boolean completed = "completed".equals(status);
        Ended ended = end(r, completed, "failed".equals(status),
                (next, also) -> store.finish(e.id(), e.leaseOwner(), status, story, next, also));
        if (ended.how() == Ended.How.CANCELLED) {
            return ended;
        }
        if ("cancelled".equals(status)) {
            LOG.info("event=execution_finished execution={} task={} status=cancelled answer=declined", e.id(),
                    e.taskGid());
            metrics.executionFinished("cancelled", r.took());
            return ended.withHow(Ended.How.CANCELLED);
        }
        LOG.info("event=execution_finished execution={} task={} status={} answer={}", e.id(), e.taskGid(), status,
                answer.getClass().getSimpleName().toLowerCase());
        metrics.executionFinished(answer instanceof ResultReporter.Answer.Done ? "done"
                : answer instanceof ResultReporter.Answer.Question ? "question"
                : answer instanceof ResultReporter.Answer.Failed f && f.timedOut() ? "timed_out" : "failed", r.took());
        return ended;
    }

    /** Posting the answer failed: give up on it if it can never be posted, else try again later. */
    private Ended reportFailed(Run r, RuntimeException ex) {
        Execution e = r.execution;
        if (r.state().gone()) {
            return Ended.as(Ended.How.CANCELLED);
        }
        if (ex instanceof AsanaException.NotFound) {
            return abandonReport(r, "cancelled", "the task was deleted in Asana before the answer was posted: "
                    + ex.getMessage());
        }
        if (isPermanent(ex)) {
            return abandonReport(r, "failed", "the answer can never be posted (" + ex.getClass().getSimpleName()
                    + "): " + ex.getMessage());
        }
        boolean stopping = r.is(RunState.STOPPING);
        if (!stopping && e.reportDeferrals() >= MAX_REPORT_DEFERRALS) {
            return abandonReport(r, "failed", "the answer could not be posted after "
                    + (e.reportDeferrals() + 1) + " tries: " + ex.getMessage());
        }
        Instant again = Instant.now().plus(reportBackoff.delay(e.reportDeferrals() + 1));
        LOG.warn("event=report_failed execution={} retry_at={} error={}", e.id(), again, ex.getMessage());
        if (stopping) {
            return handBack(r);
        }
        r.become(RunState.SETTLED);
        store.deferReport(e.id(), e.leaseOwner(), again);
        return Ended.as(Ended.How.RETRY);
    }

    private static boolean isPermanent(RuntimeException ex) {
        return ex instanceof AsanaException a && a.refusedForGood();
    }

    /**
     * The owed answer can never be posted: the execution ends ({@code failed}, or {@code cancelled}
     * for a deleted task) with the reason recorded, freeing the task's one open slot.
     */
    private Ended abandonReport(Run r, String status, String why) {
        Execution e = r.execution;
        r.become(RunState.SETTLED);
        boolean failed = "failed".equals(status);
        Ended ended = end(r, false, failed,
                (next, also) -> store.abandonReport(e.id(), e.leaseOwner(), status, why, next, also));
        if (ended.how() == Ended.How.CANCELLED) {
            return ended;
        }
        LOG.error("event=report_abandoned execution={} task={} status={} error={}", e.id(), e.taskGid(), status, why);
        metrics.executionFinished(status, r.took());
        events.record(r.slot.agentId(), e.id(), "error", "error", why, Map.of("status", status));
        return failed ? ended : ended.withHow(Ended.How.CANCELLED);
    }

    /** One of the store's ending statements, given the next claim and what rides along. */
    @FunctionalInterface
    private interface Ending {
        ExecutionStore.Ending run(ExecutionStore.ClaimNext next, StatementPart also);
    }

    /**
     * Ends an execution in one statement with its last events, the worker's row (totals added;
     * {@code completed}/{@code failed} counted if the ending applied) and, unless draining, the
     * slot's next execution claimed: one round trip and one commit instead of five.
     */
    private Ended end(Run r, boolean completed, boolean failed, Ending ending) {
        ExecutionEvents.Taken taken = r.takeEvents();
        boolean worker = r.slot.isWorker();
        ExecutionStore.ClaimNext next = worker && claiming
                ? new ExecutionStore.ClaimNext(settings.instanceId(), scopes.of(r.slot.kind()), r.slot.agentId(),
                        settings.lease()) : null;
        Usage u = r.usage();
        StatementPart row = worker
                ? AgentRows.endedPart(r.slot.agentId(), completed, failed, r.took().toMillis(),
                        u.inputTokens(), u.outputTokens(), u.costUsd())
                : StatementPart.NONE;
        long leaseFrom = System.nanoTime();
        ExecutionStore.Ending done;
        try {
            done = ending.run(next, StatementPart.of(taken, row));
        } catch (RuntimeException ex) {
            // Should the connection drop just after the server committed, the events are written
            // twice and the claim is rescued when its lease runs out: a duplicate beats a loss.
            taken.giveBack();
            throw ex;
        }
        Claimed claimed = done.next().map(x -> new Claimed(x, leaseFrom)).orElse(null);
        Ended.How how = !done.ended() ? Ended.How.CANCELLED : completed ? Ended.How.COMPLETED : Ended.How.FAILED;
        return new Ended(how, claimed, next != null, true);
    }
}
