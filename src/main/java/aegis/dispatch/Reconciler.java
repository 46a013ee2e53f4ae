package aegis.dispatch;

import aegis.asana.BotIdentity;
import aegis.db.Jdbc;
import aegis.jobs.PeriodicTask;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds work from the database alone, so a lost signal never loses work: open, non-deleted
 * tasks of tracked projects assigned to the bot, with no open execution, not answered since
 * they last asked. A task has asked again when a person commented after the last execution
 * saw the thread, or when it came back to the bot after the last execution asked a question
 * or was cancelled (the task row changed after that execution finished) — unless a person refused
 * its approval: the bot's own reply changes the task row, and only a new comment asks again.
 */
@Singleton
public class Reconciler implements PeriodicTask {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    private static final int BATCH = 500;

    private final Jdbc jdbc;
    private final Enqueuer enqueuer;
    private final BotIdentity bot;

    public Reconciler(Jdbc jdbc, Enqueuer enqueuer, BotIdentity bot) {
        this.jdbc = jdbc;
        this.enqueuer = enqueuer;
        this.bot = bot;
    }

    @Override
    public String name() {
        return "dispatch-reconcile";
    }

    @Override
    public Duration defaultPeriod() {
        return Duration.ofSeconds(60);
    }

    @Override
    public void run() {
        reconcile();
    }

    /** Enqueues what needs work; returns how many executions were created. */
    public int reconcile() {
        String botGid = bot.gid();
        List<Long> ids = jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT t.id FROM tasks t JOIN projects p ON p.id = t.project_id
                     WHERE t.assignee_gid = ? AND NOT t.completed AND NOT t.deleted AND NOT p.archived
                       AND NOT EXISTS (SELECT 1 FROM task_executions o
                                        WHERE o.task_id = t.id AND o.status IN ('pending', 'held', 'awaiting_approval', 'running'))
                       AND NOT EXISTS (
                           SELECT 1 FROM (SELECT e.id, e.outcome, e.finished_at, e.context FROM task_executions e
                                           WHERE e.task_id = t.id ORDER BY e.created_at DESC, e.id DESC LIMIT 1) last
                            WHERE NOT (last.outcome IN ('question', 'cancelled') AND t.updated_at > last.finished_at
                                       AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.execution_id = last.id
                                                        AND a.status IN ('rejected', 'expired')))
                              AND NOT EXISTS (
                                  SELECT 1 FROM comments cm
                                   WHERE cm.task_id = t.id AND NOT cm.is_from_bot
                                     AND cm.author_gid IS DISTINCT FROM ?
                                     AND cm.id > coalesce((last.context->>'last_comment_id')::bigint, 0)))
                     ORDER BY t.id LIMIT ?""")) {
                ps.setString(1, botGid);
                ps.setString(2, botGid);
                ps.setInt(3, BATCH);
                List<Long> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getLong(1));
                    }
                }
                return out;
            }
        });
        int created = 0;
        for (long id : ids) {
            if (enqueuer.enqueue(id, null, null).isPresent()) {
                created++;
            }
        }
        if (created > 0) {
            LOG.info("event=reconciled enqueued={}", created);
        }
        return created;
    }
}
