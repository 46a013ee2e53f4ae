package aegis.dispatch;

import aegis.agent.DefaultTemplates;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts dispatch with the daemon: LISTEN, the worker pool, a rescue and a reconcile at
 * once (work left by a crash or missed while down), and in-process lease rescue every half
 * lease. Stops it on shutdown: the pool drains within the grace period and hands back the rest.
 */
@Singleton
@Requires(property = "aegis.dispatch.enabled", notEquals = "false")
public class DispatchService {
    private static final Logger LOG = LoggerFactory.getLogger(DispatchService.class);

    private final QueueSignals signals;
    private final WorkerPool pool;
    private final LeaseRescue rescue;
    private final Reconciler reconciler;
    private final DispatchSettings settings;
    private final Optional<DefaultTemplates> defaultTemplates;
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "aegis-dispatch-maintenance");
        t.setDaemon(true);
        return t;
    });

    public DispatchService(QueueSignals signals, WorkerPool pool, LeaseRescue rescue, Reconciler reconciler,
                           DispatchSettings settings, Optional<DefaultTemplates> defaultTemplates) {
        this.defaultTemplates = defaultTemplates;
        this.signals = signals;
        this.pool = pool;
        this.rescue = rescue;
        this.reconciler = reconciler;
        this.settings = settings;
    }

    @EventListener
    public void onStartup(StartupEvent event) {
        signals.start();
        background.execute(this::startPool);
        long every = Math.max(500, settings.lease().toMillis() / 2);
        background.scheduleWithFixedDelay(this::rescueQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * In the background, retried: a database that is down at startup must not stop the daemon.
     * The bundled prompt templates are in place before the first claim.
     */
    private void startPool() {
        try {
            defaultTemplates.ifPresent(DefaultTemplates::ensureImported);
            pool.start();
        } catch (RuntimeException e) {
            LOG.warn("event=dispatch_start_failed retry_s=5 error={}", e.getMessage());
            background.schedule(this::startPool, 5, TimeUnit.SECONDS);
            return;
        }
        catchUp();
    }

    private void catchUp() {
        rescueQuietly();
        try {
            reconciler.reconcile();
        } catch (RuntimeException e) {
            LOG.warn("event=startup_reconcile_failed error={}", e.getMessage());
        }
    }

    private void rescueQuietly() {
        try {
            rescue.rescue();
        } catch (RuntimeException e) {
            LOG.warn("event=lease_rescue_failed error={}", e.getMessage());
        }
    }

    @PreDestroy
    public void stop() {
        background.shutdownNow();
        pool.close();
        signals.close();
    }
}
