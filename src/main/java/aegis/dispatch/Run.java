package aegis.dispatch;

import aegis.agent.Usage;
import aegis.governance.BudgetScope;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One execution being run by one worker thread: what was claimed, by which slot, until when,
 * and its {@link RunState} — the one place that state is held. Other threads (the lease
 * keeper, a cancellation) move it on with {@link #become}, which also interrupts the worker.
 */
final class Run {
    final Execution execution;
    final Slot slot;
    final Thread thread;
    final Instant deadline;
    final long startNanos = System.nanoTime();
    private final AtomicReference<RunState> state = new AtomicReference<>(RunState.RUNNING);
    /** When the lease was last known to be extended (taken before the renewal was asked). */
    private volatile long renewedNanos;
    private volatile ExecutionEvents.Buffered events;
    private volatile Usage usage = Usage.NONE;
    private volatile long lastCommentId;
    private volatile Set<BudgetScope> scopes;

    Run(Claimed claimed, Slot slot, Thread thread, Instant deadline) {
        this.execution = claimed.execution();
        this.slot = slot;
        this.thread = thread;
        this.deadline = deadline;
        this.renewedNanos = claimed.leaseFrom();
    }

    RunState state() {
        return state.get();
    }

    /**
     * Moves to {@code next} if the table allows it from where the run stands; a stop reason
     * (anything but {@link RunState#SETTLED}) interrupts the worker. Returns whether it moved.
     * Synchronized with {@link #end()}: an interrupt is delivered only while the worker is
     * still in this run.
     */
    synchronized boolean become(RunState next) {
        RunState now;
        do {
            now = state.get();
            if (!now.canBecome(next)) {
                return false;
            }
        } while (!state.compareAndSet(now, next));
        if (next != RunState.SETTLED && next != RunState.ENDED) {
            thread.interrupt();
        }
        return true;
    }

    /** The worker leaves the run: nothing can stop it any more, and an interrupt meant for it is cleared. */
    synchronized void end() {
        state.set(RunState.ENDED);
        Thread.interrupted();
    }

    boolean is(RunState s) {
        return state.get() == s;
    }

    long renewedNanos() {
        return renewedNanos;
    }

    void renewed(long atNanos) {
        renewedNanos = atNanos;
    }

    /** The attempt's event buffer, once the attempt has started. */
    void events(ExecutionEvents.Buffered buffer) {
        events = buffer;
    }

    /** The events buffered so far, to be written by a transition's statement. */
    ExecutionEvents.Taken takeEvents() {
        ExecutionEvents.Buffered b = events;
        return b == null ? ExecutionEvents.Taken.NONE : b.take();
    }

    void flushEvents() {
        ExecutionEvents.Buffered b = events;
        if (b != null) {
            b.flush();
        }
    }

    Usage usage() {
        return usage;
    }

    void usage(Usage u) {
        usage = u == null ? Usage.NONE : u;
    }

    /** The scopes this run is charged to, once it was admitted against the caps; null before. */
    Set<BudgetScope> scopes() {
        return scopes;
    }

    void admitted(Set<BudgetScope> s) {
        scopes = Set.copyOf(s);
    }

    long lastCommentId() {
        return lastCommentId;
    }

    void lastCommentId(long id) {
        lastCommentId = id;
    }

    Duration took() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
