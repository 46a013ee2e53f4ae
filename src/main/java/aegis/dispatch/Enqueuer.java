package aegis.dispatch;

import aegis.asana.BotIdentity;
import aegis.sync.MirroredTask;
import aegis.sync.TaskReader;
import aegis.agent.AgentSelector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns "this task wants the bot" into a pending execution: at most one open per task (the
 * database refuses a second), the agent kind chosen and the priority scored up front, the
 * comment thread so far carried in the execution's context.
 */
@Singleton
public class Enqueuer {
    private static final Logger LOG = LoggerFactory.getLogger(Enqueuer.class);
    private static final int CONTEXT_COMMENTS = 50;
    private static final int CONTEXT_TEXT = 2000;

    private final ExecutionStore store;
    private final TaskReader tasks;
    private final AgentSelector selector;
    private final DispatchSettings settings;
    private final BotIdentity bot;
    private final QueueSignals signals;
    private final ObjectMapper json;
    private final StatusField status;

    public Enqueuer(ExecutionStore store, TaskReader tasks, AgentSelector selector, DispatchSettings settings,
                    BotIdentity bot, QueueSignals signals, ObjectMapper json, StatusField status) {
        this.status = status;
        this.store = store;
        this.tasks = tasks;
        this.selector = selector;
        this.settings = settings;
        this.bot = bot;
        this.signals = signals;
        this.json = json;
    }

    /** Enqueues work for the task if it is open, assigned to the bot and has no open execution. */
    public Optional<Long> enqueue(long taskId, String requestedByGid, String triggerCommentGid) {
        Optional<TaskReader.Loaded> loaded = tasks.taskWithThread(taskId);
        Optional<MirroredTask> snap = loaded.map(TaskReader.Loaded::task);
        if (snap.isEmpty() || !snap.get().wantsBot(bot.gid())) {
            return Optional.empty();
        }
        boolean followUp = store.hasExecution(taskId);
        String agentType = selector.kindFor(AgentViews.task(snap.get()), AgentViews.project(snap.get()));
        TaskReader.Thread thread = tasks.thread(loaded.get());
        int priority = PriorityScore.score(facts(snap.get(), snap.get().createdAt()), Instant.now());
        ObjectNode ctx = json.createObjectNode();
        ctx.put("last_comment_id", thread.lastCommentId());
        ArrayNode comments = ctx.putArray("thread");
        List<MirroredTask.Comment> recent = thread.comments().subList(
                Math.max(0, thread.comments().size() - CONTEXT_COMMENTS), thread.comments().size());
        for (MirroredTask.Comment c : recent) {
            ObjectNode n = comments.addObject();
            n.put("gid", c.gid());
            n.put("author_gid", c.authorGid());
            n.put("author", c.authorName());
            n.put("from_bot", c.fromBot());
            String text = c.text() == null ? "" : c.text();
            n.put("text", text.length() > CONTEXT_TEXT ? text.substring(0, CONTEXT_TEXT) : text);
        }
        Optional<Long> id = store.enqueue(new NewExecution(taskId, followUp ? "follow_up" : "initial", agentType,
                priority, settings.maxAttempts(), requestedByGid, triggerCommentGid, ctx.toString()));
        id.ifPresent(v -> {
            LOG.info("event=execution_enqueued execution={} task={} kind={} agent_type={} priority={}", v,
                    snap.get().gid(), followUp ? "follow_up" : "initial", agentType, priority);
            signals.wake();
            status.set(snap.get().project().gid(), snap.get().gid(), StatusField.Status.QUEUED);
        });
        return id;
    }

    /** The task was withdrawn: its open execution is cancelled (a running one stops). */
    public List<Long> withdraw(long taskId, String reason) {
        List<Long> ids = store.cancelForTask(taskId, reason);
        if (!ids.isEmpty()) {
            LOG.info("event=execution_cancelled task_id={} executions={} reason={}", taskId, ids, reason);
        }
        return ids;
    }

    PriorityScore.Facts facts(MirroredTask s, Instant createdAt) {
        Optional<MirroredTask.Field> f = settings.priorityField().flatMap(name -> s.customFields().stream()
                .filter(c -> c.name().equalsIgnoreCase(name)).findFirst());
        return new PriorityScore.Facts(s.dueOn(), s.dueAt(), f.map(MirroredTask.Field::text).orElse(null),
                f.map(MirroredTask.Field::number).orElse(null), createdAt);
    }
}
