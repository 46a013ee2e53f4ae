package aegis.jobs;

import aegis.metrics.Metrics;
import jakarta.inject.Singleton;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention: paces the moves, summaries, purges and marks of old rows in bounded batches. Each
 * table's owner keeps the SQL ({@link RetainedTable}); each batch is one statement in autocommit
 * — its own short transaction — that locks only the rows it takes ({@code FOR UPDATE SKIP
 * LOCKED}), so live inserts and updates never wait on it and two archivers (the job and
 * {@code aegis archive}) never take the same rows. This class owns no table.
 */
@Singleton
public final class Archiver {
    private static final Logger LOG = LoggerFactory.getLogger(Archiver.class);

    /** What retention handles, in the order a run handles it (events before their executions). */
    public enum Category {
        AGENT_EVENTS("agent_events", "summarised and deleted"),
        EXECUTIONS("executions", "moved to task_executions_archive"),
        INBOX("inbox", "processed and failed deliveries deleted"),
        TASKS("tasks", "completed tasks marked archived"),
        AUDIT("audit", "audit records deleted"),
        MEMORY("memory", "remembered facts and indexed answers deleted (the executions' period)");

        public final String label;
        public final String action;

        Category(String label, String action) {
            this.label = label;
            this.action = action;
        }
    }

    /** Rows per category: those a run handled, or (dry run) those it would handle now. */
    public record Report(Map<Category, Long> rows, boolean complete) {
        public long total() {
            return rows.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final RetentionPolicy policy;
    private final Metrics metrics;
    private final Map<Category, RetainedTable> owners = new EnumMap<>(Category.class);
    /** Set once the daemon is stopping; never cleared, as a stopping daemon starts no new work. */
    private volatile boolean stopping;

    /** @param owners each category's table owner; one may be left out only where its retention is 0 (for ever) */
    public Archiver(RetentionPolicy policy, Metrics metrics, List<RetainedTable> owners) {
        this.policy = policy;
        this.metrics = metrics;
        owners.forEach(t -> this.owners.put(t.category(), t));
        for (Category c : Category.values()) {
            if (days(c) > 0 && !this.owners.containsKey(c)) {
                throw new IllegalStateException("retention of " + c.label + " needs its table's owner "
                        + "(a RetainedTable for " + c + ")");
            }
        }
    }

    private int days(Category c) {
        return switch (c) {
            case AGENT_EVENTS -> policy.agentEventsDays();
            case EXECUTIONS -> policy.executionsDays();
            case INBOX -> policy.inboxDays();
            case TASKS -> policy.tasksDays();
            case AUDIT -> policy.auditDays();
            case MEMORY -> policy.executionsDays();
        };
    }

    /** The dry run: how many rows each category would take now. */
    public Report preview() {
        Map<Category, Long> out = new LinkedHashMap<>();
        for (Category cat : Category.values()) {
            int d = days(cat);
            out.put(cat, d == 0 ? 0L : owners.get(cat).due(d));
        }
        return new Report(out, true);
    }

    /**
     * One run: every category, batch after batch, until none is left, the time budget is spent
     * or {@link #stop()} is called.
     */
    public Report run() {
        long deadline = System.nanoTime() + policy.maxRun().toNanos();
        for (RetainedTable owner : owners.values()) {
            if (!stopping) {
                owner.maintain();
            }
        }
        Map<Category, Long> out = new LinkedHashMap<>();
        boolean complete = true;
        for (Category cat : Category.values()) {
            long total = 0;
            if (days(cat) > 0) {
                int n;
                do {
                    if (stopping || System.nanoTime() > deadline) {
                        complete = false;
                        break;
                    }
                    n = runOneBatch(cat);
                    total += n;
                } while (n >= policy.batchSize());
            }
            out.put(cat, total);
        }
        Report r = new Report(out, complete);
        LOG.info("event=retention_done agent_events={} executions={} inbox={} tasks={} audit={} memory={} complete={} "
                + "stopped={}", out.get(Category.AGENT_EVENTS), out.get(Category.EXECUTIONS), out.get(Category.INBOX),
                out.get(Category.TASKS), out.get(Category.AUDIT), out.get(Category.MEMORY), complete, stopping);
        return r;
    }

    /**
     * The daemon is stopping: a run under way ends after its current batch (each batch commits
     * on its own, so nothing is left half done), and later runs start none. A run may otherwise
     * last {@code AEGIS_ARCHIVE_MAX_RUN}, far longer than shutdown waits for running jobs.
     */
    public void stop() {
        stopping = true;
    }

    /** One batch of one category, by its table's owner (tests show the bound); rows handled. */
    int runOneBatch(Category cat) {
        int n = owners.get(cat).batch(days(cat), policy.batchSize());
        if (n > 0) {
            metrics.archived(cat.label, n);
        }
        return n;
    }
}
