package aegis.dispatch;

import aegis.config.AegisConfig;
import aegis.db.DedicatedConnection;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes idle workers the moment work arrives: in process directly, and across instances by
 * PostgreSQL LISTEN on a dedicated connection (enqueue and release NOTIFY in their
 * transaction; cancellation NOTIFYs {@code cancel:<id>}, {@code pause --now} {@code pause:<id>}).
 * A lost notification only delays work until the workers' backstop poll (a lost {@code pause:}
 * lets that run finish).
 */
public final class QueueSignals implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueueSignals.class);
    /** How often the listening connection is checked, and how long a check may go unanswered. */
    private static final Duration PING_EVERY = Duration.ofSeconds(30);

    private final AegisConfig.Database database;
    private final java.util.function.Supplier<String> channel;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition woken = lock.newCondition();
    private final List<LongConsumer> cancelListeners = new CopyOnWriteArrayList<>();
    private final List<LongConsumer> pauseListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> budgetListeners = new CopyOnWriteArrayList<>();
    private boolean pending;
    private volatile boolean running;
    private Thread listener;

    public QueueSignals(AegisConfig.Database database, String channel) {
        this(database, () -> channel);
    }

    /** {@code channel} is resolved when listening starts (it needs the database). */
    public QueueSignals(AegisConfig.Database database, java.util.function.Supplier<String> channel) {
        this.database = database;
        this.channel = channel;
    }

    /** Something may be claimable now. */
    public void wake() {
        lock.lock();
        try {
            pending = true;
            woken.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until woken or {@code max} passed; returns at once if a wake-up came meanwhile. */
    private volatile boolean budgetChanged;

    public void await(Duration max) throws InterruptedException {
        lock.lock();
        try {
            long nanos = max.toNanos();
            while (!pending && nanos > 0) {
                nanos = woken.awaitNanos(nanos);
            }
            pending = false;
        } finally {
            lock.unlock();
        }
    }

    public void onCancel(LongConsumer listener) {
        cancelListeners.add(listener);
    }

    /** {@code pause --now}: the execution (by id) is to stop and run again after the resume. */
    public void onPause(LongConsumer listener) {
        pauseListeners.add(listener);
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        listener = new Thread(this::listen, "aegis-dispatch-listen");
        listener.setDaemon(true);
        listener.start();
    }

    private void listen() {
        long backoffMs = 200;
        while (running) {
            try (Connection c = DedicatedConnection.open(database, PING_EVERY);
                 Statement st = c.createStatement()) {
                String ch = channel.get();
                st.execute("LISTEN \"" + ch + "\"");
                PGConnection pg = c.unwrap(PGConnection.class);
                LOG.info("event=dispatch_listening channel={}", ch);
                backoffMs = 200;
                // Work may have arrived, and caps changed, while we were not listening.
                budgetChange();
                wake();
                long pinged = System.nanoTime();
                while (running) {
                    // A connection that went half-open delivers nothing and says nothing: ask it now and then.
                    if (System.nanoTime() - pinged > PING_EVERY.toNanos()) {
                        st.execute("SELECT 1");
                        pinged = System.nanoTime();
                    }
                    PGNotification[] ns = pg.getNotifications(500);
                    if (ns == null) {
                        continue;
                    }
                    for (PGNotification n : ns) {
                        handle(n.getParameter());
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn("event=dispatch_listen_failed retry_ms={} error={}", backoffMs, e.getMessage());
                try {
                    TimeUnit.MILLISECONDS.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    return;
                }
                backoffMs = Math.min(10_000, backoffMs * 2);
            }
        }
    }

    private void handle(String payload) {
        if (payload != null && payload.startsWith("cancel:")) {
            tell(cancelListeners, payload, "cancel:");
        } else if (payload != null && payload.startsWith(PAUSE)) {
            tell(pauseListeners, payload, PAUSE);
        } else {
            if (BUDGET.equals(payload)) {
                budgetChange();
            }
            wake();
        }
    }

    /** The payload an operator's cap change sends ({@code aegis budget set}). */
    static final String BUDGET = "budget";

    private void budgetChange() {
        // The caps forgotten first: the dispatcher, seeing the flag, must read the new ones.
        budgetListeners.forEach(Runnable::run);
        budgetChanged = true;
    }

    /** A cap changed ({@code aegis budget set}), or a change may have gone unheard (listening again). */
    public void onBudgetChange(Runnable listener) {
        budgetListeners.add(listener);
    }

    /** Whether a cap changed since the last call: held work is then looked at once, at once. */
    boolean takeBudgetChange() {
        boolean changed = budgetChanged;
        budgetChanged = false;
        return changed;
    }

    /** The payload of a pause NOTIFY for execution {@code id}. */
    static final String PAUSE = "pause:";

    private static void tell(List<LongConsumer> listeners, String payload, String prefix) {
        try {
            long id = Long.parseLong(payload.substring(prefix.length()));
            listeners.forEach(l -> l.accept(id));
        } catch (NumberFormatException e) {
            LOG.warn("event=dispatch_bad_notification payload={}", payload);
        }
    }

    @Override
    public synchronized void close() {
        running = false;
        if (listener != null) {
            listener.interrupt();
            try {
                listener.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            listener = null;
        }
    }
}
