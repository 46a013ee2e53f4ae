package aegis.sync;

import aegis.webhook.WebhookRegistrar;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At daemon start (once the HTTP server listens, so that it can answer handshakes): a full
 * sync, then, with {@code AEGIS_PUBLIC_URL} set and webhooks enabled, a webhook for every
 * tracked project that has no active one. Runs in the background; the server serves meanwhile.
 */
@Singleton
@Requires(property = "aegis.sync.enabled", notEquals = "false")
public class SyncStarter {
    private static final Logger LOG = LoggerFactory.getLogger(SyncStarter.class);

    private final FullSync fullSync;
    private final WebhookRegistrar registrar;
    private final boolean webhooksEnabled;
    private Thread thread;

    public SyncStarter(FullSync fullSync, WebhookRegistrar registrar,
                       @Value("${aegis.webhooks.enabled:true}") boolean webhooksEnabled) {
        this.fullSync = fullSync;
        this.registrar = registrar;
        this.webhooksEnabled = webhooksEnabled;
    }

    @EventListener
    synchronized void onServerStarted(ServerStartupEvent event) {
        if (thread != null) {
            return;
        }
        thread = new Thread(this::start, "aegis-sync-start");
        thread.setDaemon(true);
        thread.start();
    }

    private void start() {
        try {
            FullSync.Result r = fullSync.run(Optional.empty(), true);
            LOG.info("event=startup_sync projects={} listed={} changed={} failed={}", r.projects().size(),
                    r.listed(), r.changed(), r.failed());
            if (webhooksEnabled && registrar.enabled()) {
                for (WebhookRegistrar.Outcome o : registrar.registerMissing()) {
                    LOG.info("event=startup_webhook project={} status={}", o.projectGid(), o.status());
                }
            }
        } catch (RuntimeException e) {
            // The periodic reconcile and the events poll try again; the daemon keeps serving.
            LOG.warn("event=startup_sync_failed error=\"{}\"", e.getMessage());
        }
    }

    @PreDestroy
    synchronized void stop() {
        if (thread != null) {
            thread.interrupt();
        }
    }
}
