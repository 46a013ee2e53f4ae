package aegis.dispatch;

import aegis.asana.Bots;
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
 * tasks of tracked projects assigned to a bot, with no open execution, not answered since
 * they last asked. A task has asked again when a person commented after the last execution
 * saw the thread, or when it came back to the bot after the last execution asked a question
 * or was cancelled (the task row changed after that execution finished) — unless a person refused
 * its approval: the bot's own reply changes the task row, and only a new comment asks again. And
 * people's recent comments that @-mention a bot, with no run for that comment yet. A
 * {@code remember:} comment asks for a memory, not for work ({@link MemoryReplies}).
 */
@Singleton
public class Reconciler implements PeriodicTask {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    private static final int BATCH = 500;

    private final Jdbc jdbc;
    private final Enqueuer enqueuer;
    private final Bots bots;

    public Reconciler(Jdbc jdbc, Enqueuer enqueuer, Bots bots) {
        this.jdbc = jdbc;
        this.enqueuer = enqueuer;
        this.bots = bots;
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

    /**
     * People's recent comments that mention a bot and have no mention run yet: the signal raised
     * when they entered the mirror may have been lost. The run is keyed by comment and bot, so
     * one that exists is never made twice; a mention of the task's own bot starts none.
     */
    private int mentions() {
        record Mention(long taskId, String commentGid, String authorGid, String html) {
        }
        long window = aegis.sync.Mentions.WINDOW.toSeconds();
        List<Mention> found = jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT cm.task_id, cm.asana_gid, cm.author_gid, cm.html_text FROM comments cm
                     WHERE NOT cm.is_from_bot AND cm.html_text LIKE '%data-asana-gid%'
                       AND cm.created_at > now() - make_interval(secs => ?)
                       AND coalesce(cm.asana_created_at, cm.created_at) > now() - make_interval(secs => ?)
                       AND NOT EXISTS (SELECT 1 FROM task_executions e
                                        WHERE e.trigger_comment_gid = cm.asana_gid AND e.kind = 'mention')
                     ORDER BY cm.id LIMIT ?""")) {
                ps.setLong(1, window);
                ps.setLong(2, window);
                ps.setInt(3, BATCH);
                List<Mention> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Mention(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                    }
                }
                return out;
            }
        });
        java.util.Set<String> botGids = bots.gids();
        int created = 0;
        for (Mention m : found) {
            if (m.authorGid() != null && botGids.contains(m.authorGid())) {
                continue;
            }
            for (String gid : aegis.sync.Mentions.users(m.html())) {
                if (botGids.contains(gid) && enqueuer.mention(m.taskId(), m.commentGid(), m.authorGid(), gid).isPresent()) {
                    created++;
                }
            }
        }
        return created;
    }

    /** Enqueues what needs work; returns how many executions were created. */
    public int reconcile() {
        Object[] botGids = bots.gids().toArray();
        List<Long> ids = jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT t.id FROM tasks t JOIN projects p ON p.id = t.project_id
                     WHERE t.assignee_gid = ANY (?) AND NOT t.completed AND NOT t.deleted AND NOT p.archived
                       AND NOT EXISTS (SELECT 1 FROM task_executions o
                                        WHERE o.task_id = t.id AND o.kind <> 'mention'
                                          AND o.status IN ('pending', 'held', 'awaiting_approval', 'running'))
                       AND NOT EXISTS (
                           SELECT 1 FROM (SELECT e.id, e.outcome, e.finished_at, e.context FROM task_executions e
                                           WHERE e.task_id = t.id AND e.kind <> 'mention' ORDER BY e.created_at DESC, e.id DESC LIMIT 1) last
                            WHERE NOT (last.outcome IN ('question', 'cancelled') AND t.updated_at > last.finished_at
                                       AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.execution_id = last.id
                                                       AND a.status IN ('rejected', 'expired')))
                              AND NOT EXISTS (
                                  SELECT 1 FROM comments cm
                                   WHERE cm.task_id = t.id AND NOT cm.is_from_bot
                                     AND NOT coalesce(cm.author_gid = ANY (?), false)
                                     AND cm.text !~* '^\\s*remember:'
                                     AND cm.id > coalesce((last.context->>'last_comment_id')::bigint, 0)))
                     ORDER BY t.id LIMIT ?""")) {
                ps.setArray(1, c.createArrayOf("text", botGids));
                ps.setArray(2, c.createArrayOf("text", botGids));
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
        created += mentions();
        if (created > 0) {
            LOG.info("event=reconciled enqueued={}", created);
        }
        return created;
    }
}
