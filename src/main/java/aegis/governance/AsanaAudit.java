package aegis.governance;

import aegis.asana.AsanaWrite;
import aegis.asana.WriteListener;
import aegis.db.QueuedWriter;
import aegis.metrics.Metrics;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Asana client's writes into the audit trail, off the writing thread ({@link QueuedWriter}):
 * the dispatch path pays no database round trip per comment. The price is a window (normally
 * milliseconds) in which a crash loses the record of a write; a full queue (the database away for
 * long) drops records, counted and logged, rather than hold up the bot.
 */
@Singleton
public final class AsanaAudit implements WriteListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AsanaAudit.class);
    private static final int CAPACITY = 10_000;
    private static final int BATCH = 500;

    private final QueuedWriter<AsanaWrite> writer;

    public AsanaAudit(AuditTrail trail, Metrics metrics) {
        this.writer = new QueuedWriter<>("audit", CAPACITY, BATCH, Duration.ZERO, trail::asanaWrites, (write, why) -> {
            metrics.registry().counter("aegis_audit_dropped_total").increment();
            LOG.error("event=audit_record_dropped action={} task={} execution={} reason={}", write.action(),
                    write.taskGid(), write.executionId(), why);
        });
    }

    @Override
    public void written(AsanaWrite write) {
        writer.offer(write);
    }

    /** Writes what is queued, then stops (the context's shutdown: the client is closed first). */
    @Override
    @PreDestroy
    public void close() {
        writer.close();
    }
}
