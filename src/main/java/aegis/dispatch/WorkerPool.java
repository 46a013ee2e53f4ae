package aegis.dispatch;

import aegis.asana.Bots;
import aegis.agent.Agent;
import aegis.agent.Prompts;
import aegis.config.AegisConfig;
import aegis.config.ProjectSettings;
import aegis.db.DedicatedConnection;
import aegis.memory.ProjectMemory;
import aegis.metrics.Metrics;
import aegis.sync.TaskReader;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent pool of one instance: worker slots per agent kind (each an {@code agents} row),
 * at most {@code AEGIS_AGENT_WORKERS} running at once and at most the kind's own limit per
 * kind. One dispatcher thread claims work whenever slots are free and it is woken (or the
 * backstop poll passes); each worker then runs its execution ({@link AttemptRunner}, which
 * ends it through the {@link Finisher}) and goes on with the next one its ending claimed.
 * The {@link LeaseKeeper} keeps the leases of what runs.
 *
 * <p>A little over 300 lines on purpose: the slots, their claims and the pool's start and stop
 * all change the free slots and the running count, which stay consistent only with one owner.
 */
public final class WorkerPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);
    /** Claims of work for kinds no instance here runs, at most, per poll period. */
    private static final int FOREIGN_CLAIMS = 4;
    /** Beyond an agent's own stopping time: handing the lease back and recording the run. */
    private static final Duration STOP_MARGIN = Duration.ofSeconds(5);
    /** A renewal that the server has not answered by then has failed: the next one reconnects. */
    private static final Duration RENEWAL_TIMEOUT = Duration.ofSeconds(10);
    /** How long the dispatcher may take to finish a claim statement already sent. */
    private static final Duration DISPATCHER_STOP = Duration.ofSeconds(10);

    private final ExecutionStore store;
    private final AgentRows rows;
    private final AttemptRunner runner;
    private final Finisher finisher;
    private final LeaseKeeper leases;
    private final QueueSignals signals;
    private final DispatchSettings settings;
    private final Metrics metrics;
    private final ClaimScopes scopes;
    private final HeldRelease held;

    private final Map<String, ConcurrentLinkedQueue<Slot>> freeSlots = new LinkedHashMap<>();
    private final List<Long> agentIds = new ArrayList<>();
    private final AtomicInteger runningCount = new AtomicInteger();
    private final ExecutorService workers;
    private volatile boolean stopping;
    private Thread dispatcher;
    private long lastForeignClaim;
    private long lastHeldRelease = System.nanoTime() - Long.MAX_VALUE / 2;

    /** A pool with its parts: the runner, the finisher and the lease keeper are its own. */
    static WorkerPool of(AegisConfig.Database database, ExecutionStore store, TaskReader tasks, AgentRows rows,
                         ExecutionEvents events,
                         Map<String, Agent> agents, Prompts prompts, ResultReporter reporter, RetryPolicy retry,
                         DispatchSettings settings, QueueSignals signals,
                         Function<String, Optional<Bots.Bot>> bots, Metrics metrics,
                         ProjectSettings.All projects, CodingWork coding, ProjectMemory memory,
                         BudgetControl budget) {
        return of(database, store, tasks, rows, events, agents, prompts, reporter, retry, settings, signals, bots,
                metrics, projects, coding, memory, finisher -> ApprovalGate.off(tasks, projects, finisher),
                ProgressComments.off(), new StatusField(null, projects), budget);
    }

    /**
     * {@link #of}, with approvals ({@code gate} builds the gate given the pool's finisher), progress
     * shown in Asana while attempts run, and the optional status field moved.
     */
    static WorkerPool of(AegisConfig.Database database, ExecutionStore store, TaskReader tasks, AgentRows rows,
                         ExecutionEvents events,
                         Map<String, Agent> agents, Prompts prompts, ResultReporter reporter, RetryPolicy retry,
                         DispatchSettings settings, QueueSignals signals,
                         Function<String, Optional<Bots.Bot>> bots, Metrics metrics,
                         ProjectSettings.All projects, CodingWork coding, ProjectMemory memory,
                         Function<Finisher, ApprovalGate> gate, ProgressComments progress, StatusField status,
                         BudgetControl budget) {
        ClaimScopes scopes = new ClaimScopes(agents, projects);
        Finisher finisher = new Finisher(store, reporter, events, settings, metrics, scopes, memory);
        AttemptRunner runner = new AttemptRunner(agents, tasks, prompts, events, retry, finisher, bots, settings,
                metrics, projects, coding, memory, gate.apply(finisher), progress, status, budget);
        runner.checkStopsWithin(settings.renewEvery());
        return new WorkerPool(store, rows, runner, finisher,
                new LeaseKeeper(store, settings, new DedicatedConnection(database, RENEWAL_TIMEOUT)), signals, settings,
                metrics, scopes, new HeldRelease(store, budget.gate()));
    }

    WorkerPool(ExecutionStore store, AgentRows rows, AttemptRunner runner, Finisher finisher, LeaseKeeper leases,
               QueueSignals signals, DispatchSettings settings, Metrics metrics, ClaimScopes scopes, HeldRelease held) {
        this.held = held;
        this.store = store;
        this.scopes = scopes;
        this.rows = rows;
        this.runner = runner;
        this.finisher = finisher;
        this.leases = leases;
        this.signals = signals;
        this.settings = settings;
        this.metrics = metrics;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "aegis-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public synchronized void start() {
        if (dispatcher != null) {
            return;
        }
        for (String kind : runner.kinds()) {
            // A kind not configured here, or given 0 workers, is left to instances that run it.
            int slots = runner.canRun(kind) ? settings.workersFor(kind) : 0;
            ConcurrentLinkedQueue<Slot> q = new ConcurrentLinkedQueue<>();
            for (int i = 1; i <= slots; i++) {
                long id = rows.register(settings.instanceId() + "/" + kind + "-" + i, kind, settings.instanceId(), slots);
                agentIds.add(id);
                q.add(new Slot(id, kind));
            }
            freeSlots.put(kind, q);
        }
        // Rows this instance left from an earlier configuration (a kind since removed, fewer workers)
        // would read as idle workers that never take work.
        rows.retireOthers(settings.instanceId(), agentIds);
        signals.onCancel(leases::cancelled);
        signals.onPause(leases::paused);
        signals.onBudgetChange(held::capsChanged);
        leases.start();
        dispatcher = new Thread(this::dispatchLoop, "aegis-dispatcher");
        dispatcher.setDaemon(true);
        dispatcher.start();
        LOG.info("event=pool_started instance={} workers={} kinds={}", settings.instanceId(), settings.workers(),
                freeSlots.keySet());
    }

    private void dispatchLoop() {
        while (!stopping) {
            try {
                releaseHeld();
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

    /**
     * Held executions the caps now admit go back to the queue; a failure here must not stop claiming.
     * Once per poll period (a period rolls over, runs in flight are charged) or at once when a cap
     * changed; not on every wake-up, which new work sends many times a second.
     */
    private void releaseHeld() {
        long now = System.nanoTime();
        if (!signals.takeBudgetChange() && now - lastHeldRelease < settings.pollEvery().toNanos()) {
            return;
        }
        lastHeldRelease = now;
        try {
            held.releaseWhatFits();
        } catch (RuntimeException ex) {
            LOG.warn("event=held_release_failed error={}", ex.getMessage());
        }
    }

    private void claimWhatFits() {
        boolean more = true;
        while (more && !stopping) {
            more = false;
            for (var entry : freeSlots.entrySet()) {
                more |= claimFor(entry.getKey(), entry.getValue());
            }
            claimForeign();
        }
    }

    /** Claims work of one kind for its free slots; whether every slot asked for got work. */
    private boolean claimFor(String kind, ConcurrentLinkedQueue<Slot> free) {
        int room = Math.min(free.size(), settings.workers() - runningCount.get());
        if (room <= 0) {
            return false;
        }
        List<Slot> slots = new ArrayList<>();
        for (Slot slot; slots.size() < room && (slot = free.poll()) != null; ) {
            slots.add(slot);
        }
        List<Execution> claimed;
        long leaseFrom = System.nanoTime();
        try {
            claimed = store.claimFor(settings.instanceId(), scopes.of(kind), slots.stream().map(Slot::agentId).toList(),
                    settings.lease(), AgentRows.BUSY);
        } catch (RuntimeException ex) {
            free.addAll(slots);
            throw ex;
        }
        Map<Long, Slot> byId = new HashMap<>();
        slots.forEach(s -> byId.put(s.agentId(), s));
        for (Execution e : claimed) {
            start(new Claimed(e, leaseFrom), byId.remove(e.agentId()));
        }
        free.addAll(byId.values());
        return !slots.isEmpty() && claimed.size() == slots.size();
    }

    /**
     * Work for a kind no instance here runs: fail it so the person hears, rather than let it wait
     * forever. Rare, and the query reads past all pending work, so it runs once per poll period.
     */
    private void claimForeign() {
        int room = settings.workers() - runningCount.get();
        long now = System.nanoTime();
        if (room <= 0 || stopping || now - lastForeignClaim < settings.pollEvery().toNanos()) {
            return;
        }
        lastForeignClaim = now;
        // Every known kind is excluded, configured here or not: one another instance runs is its work.
        for (Execution e : store.claim(settings.instanceId(), null, List.copyOf(runner.kinds()),
                Math.min(room, FOREIGN_CLAIMS), settings.lease())) {
            start(new Claimed(e, now), new Slot(null, e.agentType()));
        }
    }

    private void start(Claimed c, Slot slot) {
        runningCount.incrementAndGet();
        workers.execute(() -> runChain(c, slot));
    }

    /**
     * Runs {@code first}, then, while work of the slot's kind is waiting, the next one its ending
     * claimed (or, when the ending did not ask, one it claims itself), keeping its slot: workers
     * claim in parallel instead of queueing behind one dispatcher thread's round trips.
     */
    private void runChain(Claimed first, Slot slot) {
        try {
            Claimed next = first;
            while (next != null) {
                Ended ended = run(next, slot);
                next = ended.next();
                // An ending that already asked for the next execution and found none: asking again is waste.
                if (next == null && !ended.askedNext() && !stopping && slot.isWorker()) {
                    next = claimOne(slot);
                }
            }
        } catch (Throwable t) {
            LOG.error("event=worker_died kind={} error={}", slot.kind(), t.toString(), t);
            throw t;
        } finally {
            if (slot.isWorker()) {
                freeSlots.get(slot.kind()).add(slot);
            }
            runningCount.decrementAndGet();
            signals.wake();
        }
    }

    private Claimed claimOne(Slot slot) {
        try {
            long leaseFrom = System.nanoTime();
            List<Execution> got = store.claimFor(settings.instanceId(), scopes.of(slot.kind()), List.of(slot.agentId()),
                    settings.lease(), AgentRows.BUSY);
            return got.isEmpty() ? null : new Claimed(got.get(0), leaseFrom);
        } catch (RuntimeException ex) {
            LOG.warn("event=claim_failed error={}", ex.getMessage());
            return null;
        }
    }

    /** Runs one execution in this worker thread, its lease kept meanwhile; says how it ended. */
    private Ended run(Claimed claimed, Slot slot) {
        Thread.interrupted();
        Run r = new Run(claimed, slot, Thread.currentThread(), Instant.now().plus(settings.agentTimeout()));
        leases.keep(r);
        Ended ended = Ended.as(Ended.How.ERROR);
        try {
            ended = runner.run(r);
        } catch (RuntimeException ex) {
            LOG.error("event=worker_error execution={} error={}", r.execution.id(), ex.toString());
            runner.recordError(r, ex);
        } finally {
            leases.forget(r);
            boolean withdrawn = r.is(RunState.CANCELLED);
            r.end();
            r.flushEvents();
            if (!ended.rowDone()) {
                idle(r, ended);
            }
            if (withdrawn && ended.how() == Ended.How.CANCELLED) {
                metrics.executionFinished("cancelled", r.took());
            }
            metrics.attemptEnded(ended.how().name().toLowerCase());
        }
        return ended;
    }

    /** The worker's row back to idle with the attempt's totals, when no ending statement did it. */
    private void idle(Run r, Ended ended) {
        if (!r.slot.isWorker()) {
            return;
        }
        try {
            var u = r.usage();
            rows.idle(r.slot.agentId(), ended.how() == Ended.How.COMPLETED, ended.how() == Ended.How.FAILED,
                    r.took().toMillis(), u.inputTokens(), u.outputTokens(), u.costUsd());
        } catch (RuntimeException ex) {
            LOG.warn("event=agent_row_not_updated agent={} error={}", r.slot.agentId(), ex.getMessage());
        }
    }

    /**
     * Stops claiming, lets running executions finish within the grace period, then stops the
     * rest and hands their leases back (not counted as attempts).
     */
    @Override
    public void close() {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
        }
        finisher.stopClaiming();
        if (dispatcher != null) {
            dispatcher.interrupt();
            // A claim in flight completes and its runs are started (and counted) before the pool looks at them.
            try {
                dispatcher.join(DISPATCHER_STOP.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        awaitIdle(settings.grace());
        var left = leases.runs();
        for (Run r : left) {
            r.become(RunState.STOPPING);
        }
        // Each run hands its lease back itself once its agent has stopped; meanwhile the leases are kept.
        awaitIdle(runner.stopWithin().plus(STOP_MARGIN));
        for (Run r : leases.runs()) {
            // Still not stopped: its lease is not handed back but left to run out, so the task is
            // taken over only after that, not while this run's work may still be going on.
            LOG.error("event=lease_left_to_expire execution={} task={} reason=agent_not_stopped",
                    r.execution.id(), r.execution.taskGid());
        }
        leases.close();
        workers.shutdownNow();
        try {
            rows.setStatus(agentIds, "stopped");
        } catch (RuntimeException e) {
            LOG.warn("event=agent_rows_not_stopped error={}", e.getMessage());
        }
        LOG.info("event=pool_stopped instance={} released={}", settings.instanceId(), left.size());
    }

    private void awaitIdle(Duration within) {
        long end = System.nanoTime() + within.toNanos();
        while (runningCount.get() > 0 && System.nanoTime() < end) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
