package aegis.sync;

import aegis.webhook.InboxWakeup;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's inbox worker: drains at once when the receiver stores a delivery, and
 * otherwise every second (rows stored by other instances, retries coming due).
 */
@Singleton
@Requires(property = "aegis.sync.enabled", notEquals = "false")
@Requires(property = "aegis.webhooks.enabled", notEquals = "false")
public class InboxProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(InboxProcessor.class);
    private static final long IDLE_POLL_MS = 1000;

    private final InboxDrain drain;
    private final InboxWakeup wakeup;
    private volatile boolean running;
    private Thread thread;

    public InboxProcessor(InboxDrain drain, InboxWakeup wakeup) {
        this.drain = drain;
        this.wakeup = wakeup;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        start();
    }

    synchronized void start() {
        if (thread != null) {
            return;
        }
        running = true;
        thread = new Thread(this::loop, "aegis-inbox");
        thread.setDaemon(true);
        thread.start();
        LOG.info("event=inbox_processor_started");
    }

    private void loop() {
        long backoff = 0;
        while (running) {
            try {
                wakeup.await(backoff > 0 ? backoff : IDLE_POLL_MS);
                if (!running) {
                    return;
                }
                drain.drain();
                backoff = 0;
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // Typically the database is away; try again soon, rows wait in the inbox.
                backoff = Math.min(Math.max(backoff * 2, 500), 10_000);
                LOG.warn("event=inbox_processor_error error=\"{}\" retry_ms={}", e.getMessage(), backoff);
            }
        }
    }

    @PreDestroy
    synchronized void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }
}
