package aegis.dispatch;

import aegis.db.DedicatedConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the leases of the runs of one instance: renews them in one statement every
 * {@code renewEvery} on a connection of its own, writes their buffered events in between, and
 * stops a run (through its {@link RunState}) when its time limit passes, its lease is lost, or
 * its task is withdrawn. Each of the three runs on its own thread: the watch over deadlines
 * must not wait behind a renewal stuck on the database, nor a renewal behind events waiting
 * for a pooled connection.
 */
final class LeaseKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);
    private static final long TICK_MS = 250;

    private final ExecutionStore store;
    private final DispatchSettings settings;
    /** Renewals must not wait for a pooled connection while every worker holds one. */
    private final DedicatedConnection renewals;
    private final Map<Long, Run> running = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker;
    private volatile long nextRenewal = System.nanoTime();

    LeaseKeeper(ExecutionStore store, DispatchSettings settings, DedicatedConnection renewals) {
        this.store = store;
        this.settings = settings;
        this.renewals = renewals;
        AtomicInteger n = new AtomicInteger();
        this.ticker = Executors.newScheduledThreadPool(3, r -> {
            Thread t = new Thread(r, "aegis-lease-ticker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        ticker.scheduleWithFixedDelay(this::watch, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        ticker.scheduleWithFixedDelay(this::renew, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        ticker.scheduleWithFixedDelay(this::flush, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    /** Starts keeping {@code run}'s lease. An earlier run of the same execution here is void: it stops. */
    void keep(Run run) {
        Run earlier = running.put(run.execution.id(), run);
        if (earlier != null && earlier != run) {
            LOG.warn("event=execution_claimed_again execution={} task={}", run.execution.id(), run.execution.taskGid());
            earlier.become(RunState.LOST);
        }
    }

    void forget(Run run) {
        running.remove(run.execution.id(), run);
    }

    /** A cancellation NOTIFY (or an in-process one): stop that execution if it runs here. */
    void cancelled(long executionId) {
        Run r = running.get(executionId);
        if (r != null && r.become(RunState.CANCELLED)) {
            LOG.info("event=execution_cancelled execution={} task={}", executionId, r.execution.taskGid());
        }
    }

    /** A pause NOTIFY ({@code pause --now}): stop that execution if it runs here, to run again after the resume. */
    void paused(long executionId) {
        Run r = running.get(executionId);
        if (r != null && r.become(RunState.PAUSED)) {
            LOG.info("event=execution_paused execution={} task={}", executionId, r.execution.taskGid());
        }
    }

    /** The runs still here, for the pool's shutdown. */
    Collection<Run> runs() {
        return List.copyOf(running.values());
    }

    /**
     * Deadlines, without the database: past the agent timeout, or no successful renewal for
     * longer than {@code lease − renewEvery} (the lease may be rescued and claimed again
     * soon), the run is stopped.
     */
    private void watch() {
        try {
            Instant now = Instant.now();
            long nanos = System.nanoTime();
            long unrenewedMax = settings.lease().minus(settings.renewEvery()).toNanos();
            for (Run r : running.values()) {
                if (r.is(RunState.RUNNING) && now.isAfter(r.deadline)) {
                    r.become(RunState.TIMED_OUT);
                }
                if (r.state().renewsLease() && nanos - r.renewedNanos() > unrenewedMax) {
                    LOG.error("event=lease_not_renewed execution={} unrenewed_ms={}", r.execution.id(),
                            (nanos - r.renewedNanos()) / 1_000_000);
                    r.become(RunState.LOST);
                }
            }
        } catch (Throwable e) {
            // A scheduled task that throws is never run again: nothing may escape.
            LOG.error("event=lease_watch_failed error={}", e.toString(), e);
        }
    }

    /** Renews the leases still held, when a renewal is due. */
    private void renew() {
        try {
            long now = System.nanoTime();
            if (now - nextRenewal >= 0 && !running.isEmpty()) {
                renew(now);
            }
        } catch (Throwable e) {
            // A scheduled task that throws is never run again: nothing may escape.
            LOG.error("event=lease_tick_failed error={}", e.toString(), e);
        }
    }

    /** Writes the runs' buffered events. */
    private void flush() {
        try {
            for (Run r : running.values()) {
                r.flushEvents();
            }
        } catch (Throwable e) {
            LOG.error("event=event_flush_failed error={}", e.toString(), e);
        }
    }

    private void renew(long now) {
        List<Run> asked = new ArrayList<>();
        Map<Long, String> tokens = new HashMap<>();
        for (Run r : running.values()) {
            if (r.state().renewsLease()) {
                asked.add(r);
                tokens.put(r.execution.id(), r.execution.leaseOwner());
            }
        }
        try {
            var kept = store.renewAll(renewals, tokens, settings.lease());
            nextRenewal = now + settings.renewEvery().toNanos();
            for (Run r : asked) {
                if (kept.contains(r.execution.id())) {
                    r.renewed(now);
                } else if (r.state().renewsLease() && r.become(RunState.LOST)) {
                    // Not renewed: cancelled, or rescued (perhaps claimed again). No longer ours.
                    LOG.info("event=lease_lost execution={}", r.execution.id());
                }
            }
        } catch (RuntimeException e) {
            nextRenewal = now + Math.min(Duration.ofSeconds(1).toNanos(), settings.renewEvery().toNanos());
            LOG.warn("event=lease_renewal_failed running={} error={}", asked.size(), e.getMessage());
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        renewals.close();
    }
}
