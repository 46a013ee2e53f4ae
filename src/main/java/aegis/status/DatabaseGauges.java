package aegis.status;

import aegis.metrics.Metrics;
import aegis.db.Jdbc;
import aegis.webhook.InboxBacklog;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gauges read from the database: queue depth (pending, of which ready now, and running),
 * inbox backlog and the age of its oldest delivery (from the inbox's owner). A snapshot,
 * refreshed every 15 s ({@code aegis.metrics.gauges-interval}) by one query for the queue and
 * one for the inbox: a scrape reads memory only, so however often /metrics is asked it costs
 * the shared pool nothing.
 */
@Singleton
public class DatabaseGauges {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseGauges.class);
    private final Jdbc jdbc;
    private final InboxBacklog inbox;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong ready = new AtomicLong();
    private final AtomicLong running = new AtomicLong();
    private final AtomicLong inboxPending = new AtomicLong();
    private final AtomicLong inboxLag = new AtomicLong();

    public DatabaseGauges(Jdbc jdbc, InboxBacklog inbox, MeterRegistry registry) {
        this.jdbc = jdbc;
        this.inbox = inbox;
        Gauge.builder(Metrics.QUEUE_DEPTH, pending, AtomicLong::get).tag("status", "pending")
                .description("Executions waiting to be claimed").register(registry);
        Gauge.builder(Metrics.QUEUE_DEPTH, ready, AtomicLong::get).tag("status", "ready")
                .description("Pending executions whose not_before has passed").register(registry);
        Gauge.builder(Metrics.QUEUE_DEPTH, running, AtomicLong::get).tag("status", "running")
                .description("Executions under a lease").register(registry);
        Gauge.builder(Metrics.INBOX_PENDING, inboxPending, AtomicLong::get)
                .description("Webhook deliveries stored but not yet processed").register(registry);
        Gauge.builder(Metrics.INBOX_LAG, inboxLag, AtomicLong::get)
                .description("Age of the oldest unprocessed webhook delivery").register(registry);
    }

    @Scheduled(fixedDelay = "${aegis.metrics.gauges-interval:15s}", initialDelay = "1s")
    void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // the last snapshot stays; the next period tries again
            LOG.warn("event=metrics_gauges_failed error={}", e.getClass().getSimpleName());
        }
    }

    public void refresh() {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT (SELECT count(*) FROM task_executions WHERE status = 'pending'),
                           (SELECT count(*) FROM task_executions WHERE status = 'pending' AND not_before <= now()),
                           (SELECT count(*) FROM task_executions WHERE status = 'running')""");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                pending.set(rs.getLong(1));
                ready.set(rs.getLong(2));
                running.set(rs.getLong(3));
            }
            return null;
        });
        InboxBacklog.Backlog backlog = inbox.backlog();
        inboxPending.set(backlog.unprocessed());
        inboxLag.set(backlog.oldestSeconds() == null ? 0 : backlog.oldestSeconds());
    }
}
