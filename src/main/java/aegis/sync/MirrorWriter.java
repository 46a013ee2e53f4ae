package aegis.sync;

import aegis.asana.AsanaModel.Story;
import aegis.asana.AsanaModel.Task;
import aegis.asana.Bots;
import aegis.db.Jdbc;
import aegis.sync.TaskStore.Change;
import aegis.sync.TaskStore.CommentRow;
import aegis.sync.TaskStore.Known;
import aegis.sync.TaskStore.NewComment;
import aegis.sync.TaskStore.Row;
import aegis.metrics.Metrics;
import io.micronaut.context.event.ApplicationEventPublisher;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what was fetched from Asana into the mirror in one transaction, then, after the
 * commit, publishes the signals the changes raise.
 */
@Singleton
public class MirrorWriter {
    private static final Logger LOG = LoggerFactory.getLogger(MirrorWriter.class);

    private final Jdbc jdbc;
    private final Bots bots;
    private final ApplicationEventPublisher<TaskSignal> publisher;
    private final Metrics metrics;
    private final ObjectMapper json;

    public MirrorWriter(Jdbc jdbc, Bots bots, ApplicationEventPublisher<TaskSignal> publisher,
                        Metrics metrics, ObjectMapper json) {
        this.jdbc = jdbc;
        this.bots = bots;
        this.publisher = publisher;
        this.metrics = metrics;
        this.json = json;
    }

    /**
     * One unit of writes.
     *
     * @param storiesByTask stories of tasks (by gid) that are stored or in {@code tasks}
     * @param actors        who caused each task's change, where known
     * @param botBefore     tasks that wanted the bot before this batch (see {@link Signals})
     */
    public record Batch(Collection<Row> tasks, Collection<String> deletedGids, Map<String, List<Story>> storiesByTask,
                        Map<String, String> actors, Set<String> botBefore) {
    }

    public record Written(List<Change> changes, List<NewComment> comments, List<TaskSignal> signals) {
    }

    public Written write(Batch b, Set<String> botGids) {
        Written w = jdbc.inTransaction(c -> {
            List<Change> changes = new ArrayList<>(TaskStore.upsertTasks(c, b.tasks(), botGids, json));
            changes.addAll(TaskStore.markDeleted(c, b.deletedGids()));
            List<NewComment> comments = List.of();
            if (!b.storiesByTask().isEmpty()) {
                Map<String, Known> ids = TaskStore.find(c, b.storiesByTask().keySet());
                List<CommentRow> rows = new ArrayList<>();
                b.storiesByTask().forEach((gid, stories) -> {
                    Known k = ids.get(gid);
                    if (k != null) {
                        stories.forEach(s -> rows.add(new CommentRow(k.id(), gid, s)));
                    }
                });
                comments = TaskStore.upsertComments(c, rows, botGids);
            }
            return new Written(changes, comments, Signals.of(botGids, changes, comments, b.actors(), b.botBefore()));
        });
        publish(w);
        return w;
    }

    /**
     * Records a change Aegis itself made in Asana, as Asana answered the write. The bot's own
     * events are skipped by {@link EventApplier}, so without this the mirror would show a
     * task Aegis completed or handed back as still the bot's until the next full sync, and a
     * person's next comment would start another run. Raises no signals: the bot's own actions
     * are not news to dispatch. The task stays under the project it is stored in; a task not
     * in the mirror is left to the sync engine.
     *
     * @return true when the stored row changed
     */
    public boolean recordOwnChange(Task task) {
        Set<String> botGids = bots.gids();
        List<Change> changes = jdbc.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT t.project_id, p.asana_gid FROM tasks t "
                    + "JOIN projects p ON p.id = t.project_id WHERE t.asana_gid = ?")) {
                ps.setString(1, task.gid());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return List.<Change>of();
                    }
                    return TaskStore.upsertTasks(c, List.of(new Row(rs.getLong(1), rs.getString(2), task)),
                            botGids, json);
                }
            }
        });
        metrics.mirrorWrites("task", changes.size());
        return !changes.isEmpty();
    }

    /** See {@link TaskStore#align}: the full sync's first step. Answers the rows changed. */
    public int align(Set<String> botGids) {
        return jdbc.inTransaction(c -> TaskStore.align(c, botGids));
    }

    /** The full sync's sweep of one project, with its signals. */
    public List<Change> sweep(long projectId, Collection<String> seen, Collection<String> listedParents,
                              Set<String> botGids) {
        Written w = jdbc.inTransaction(c -> {
            List<Change> gone = TaskStore.sweepProject(c, projectId, seen, listedParents);
            return new Written(gone, List.of(), Signals.of(botGids, gone, List.of(), Map.of(), Set.of()));
        });
        publish(w);
        return w.changes();
    }

    private void publish(Written w) {
        metrics.mirrorWrites("task", w.changes().size());
        metrics.mirrorWrites("comment", w.comments().size());
        for (TaskSignal s : w.signals()) {
            try {
                publisher.publishEvent(s);
            } catch (RuntimeException e) {
                // Signals are hints; dispatch reconciles from the database, so a failing listener loses nothing.
                LOG.warn("event=signal_listener_failed signal={} task={} error={}", s.getClass().getSimpleName(),
                        s.taskGid(), e.toString());
            }
        }
    }
}
