package aegis.governance;

import aegis.asana.AsanaWrite;
import aegis.asana.WriteListener;
import aegis.metrics.Metrics;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Asana client's writes into the audit trail, off the writing thread: a write is queued in
 * memory and a writer thread appends what has gathered in one statement, so the dispatch path
 * pays no database round trip per comment. The price is a window (normally milliseconds) in
 * which a crash loses the record of a write; a full queue (the database away for long) drops
 * records, counted and logged, rather than hold up the bot.
 */
@Singleton
public final class AsanaAudit implements WriteListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AsanaAudit.class);
    private static final int CAPACITY = 10_000;
    private static final int BATCH = 500;

    private final AuditTrail trail;
    private final Metrics metrics;
    private final BlockingQueue<AsanaWrite> queue = new LinkedBlockingQueue<>(CAPACITY);
    private final Thread writer;
    private volatile boolean closed;

    public AsanaAudit(AuditTrail trail, Metrics metrics) {
        this.trail = trail;
        this.metrics = metrics;
        this.writer = new Thread(this::writeLoop, "aegis-audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public void written(AsanaWrite write) {
        if (!queue.offer(write)) {
            metrics.registry().counter("aegis_audit_dropped_total").increment();
            LOG.error("event=audit_record_dropped action={} task={} execution={} reason=queue_full", write.action(),
                    write.taskGid(), write.executionId());
        }
    }

    private void writeLoop() {
        List<AsanaWrite> batch = new ArrayList<>();
        long backoffMs = 200;
        while (!closed || !batch.isEmpty()) {
            try {
                if (batch.isEmpty()) {
                    AsanaWrite first = queue.poll(500, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                }
                queue.drainTo(batch, BATCH - batch.size());
                trail.asanaWrites(batch);
                batch.clear();
                backoffMs = 200;
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            } catch (RuntimeException e) {
                // Kept and tried again: the database may be back in a moment.
                LOG.warn("event=audit_write_failed records={} retry_ms={} error={}", batch.size(), backoffMs,
                        e.getMessage());
                if (closed) {
                    return;
                }
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    if (closed) {
                        return;
                    }
                }
                backoffMs = Math.min(10_000, backoffMs * 2);
            }
        }
    }

    /** Writes what is queued, then stops (the context's shutdown: the client is closed first). */
    @Override
    @PreDestroy
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            writer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<AsanaWrite> rest = new ArrayList<>();
        queue.drainTo(rest);
        if (!rest.isEmpty()) {
            try {
                trail.asanaWrites(rest);
            } catch (RuntimeException e) {
                LOG.error("event=audit_records_lost records={} error={}", rest.size(), e.getMessage());
            }
        }
    }
}
