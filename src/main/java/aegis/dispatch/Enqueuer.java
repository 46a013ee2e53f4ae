package aegis.dispatch;

import aegis.asana.Bots;
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
    private final Bots bots;
    private final QueueSignals signals;
    private final ObjectMapper json;
    private final StatusField status;

    public Enqueuer(ExecutionStore store, TaskReader tasks, AgentSelector selector, DispatchSettings settings,
                    Bots bots, QueueSignals signals, ObjectMapper json, StatusField status) {
        this.status = status;
        this.store = store;
        this.tasks = tasks;
        this.selector = selector;
        this.settings = settings;
        this.bots = bots;
        this.signals = signals;
        this.json = json;
    }

    /**
     * Enqueues work for the task if it is open, assigned to a bot that serves its project, and has
     * no open execution; that bot runs it.
     */
    public Optional<Long> enqueue(long taskId, String requestedByGid, String triggerCommentGid) {
        Optional<Prepared> p = prepare(taskId, requestedByGid, triggerCommentGid);
        Optional<Long> id = p.flatMap(x -> store.enqueue(x.execution()));
        id.ifPresent(v -> enqueued(v, p.get()));
        return id;
    }

    /** A new execution as {@link #prepare} builds it, with its task's and project's gids. */
    record Prepared(NewExecution execution, String taskGid, String projectGid) {
    }

    /** Logs a new execution and wakes the workers. */
    void enqueued(long id, Prepared p) {
        NewExecution n = p.execution();
        LOG.info("event=execution_enqueued execution={} task={} kind={} agent_type={} priority={} bot={}", id,
                p.taskGid(), n.kind(), n.agentType(), n.priority(), n.bot());
        signals.wake();
        if (!Execution.KIND_MENTION.equals(n.kind())) { // a mention's task is not the bot's: its field stays
            status.set(p.projectGid(), p.taskGid(), StatusField.Status.QUEUED);
        }
    }

    /**
     * The execution the task would get now, when it is open and assigned to the bot: the agent kind
     * chosen and the priority scored up front, the comment thread so far carried in its context.
     */
    Optional<Prepared> prepare(long taskId, String requestedByGid, String triggerCommentGid) {
        Optional<TaskReader.Loaded> loaded = tasks.taskWithThread(taskId);
        Optional<MirroredTask> snap = loaded.map(TaskReader.Loaded::task);
        Optional<Bots.Bot> bot = snap.flatMap(t -> bots.byGid(t.assigneeGid()));
        if (bot.isEmpty() || !snap.get().wantsBot(bot.get().gid())
                || !bot.get().settings().serves(snap.get().project().gid())) {
            return Optional.empty();
        }
        boolean followUp = store.hasExecution(taskId);
        return Optional.of(build(loaded.get(), bot.get(), followUp ? "follow_up" : "initial", requestedByGid,
                triggerCommentGid));
    }

    /**
     * A person's comment @-mentioned {@code botGid}: that bot answers in the thread, once per comment
     * (the database refuses a second), without the task being its. Nothing when the task is that
     * bot's own open work (its follow-up answers the comment), deleted, or in a project it does not serve.
     */
    public Optional<Long> mention(long taskId, String commentGid, String authorGid, String botGid) {
        Optional<TaskReader.Loaded> loaded = tasks.taskWithThread(taskId);
        Optional<Bots.Bot> bot = bots.byGid(botGid);
        if (loaded.isEmpty() || bot.isEmpty()) {
            return Optional.empty();
        }
        MirroredTask t = loaded.get().task();
        if (t.deleted() || t.project().archived() || t.wantsBot(botGid)
                || !bot.get().settings().serves(t.project().gid())) {
            return Optional.empty();
        }
        Prepared p = build(loaded.get(), bot.get(), Execution.KIND_MENTION, authorGid, commentGid);
        Optional<Long> id = store.enqueue(p.execution());
        id.ifPresent(v -> enqueued(v, p));
        return id;
    }

    private Prepared build(TaskReader.Loaded loaded, Bots.Bot bot, String kind, String requestedByGid,
                           String triggerCommentGid) {
        Optional<MirroredTask> snap = Optional.of(loaded.task());
        String agentType = selector.kindFor(AgentViews.task(snap.get()), AgentViews.project(snap.get()),
                bot.settings().agent());
        TaskReader.Thread thread = tasks.thread(loaded);
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
        return new Prepared(new NewExecution(loaded.task().id(), kind, agentType, priority, settings.maxAttempts(),
                requestedByGid, triggerCommentGid, ctx.toString(), bot.name()), snap.get().gid(),
                snap.get().project().gid());
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
