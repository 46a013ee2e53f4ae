package aegis.dispatch;

import aegis.sync.TaskSignal;
import io.micronaut.context.annotation.Requires;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Acts on sync's signals at once; the reconciler covers any signal lost. */
@Singleton
@Requires(property = "aegis.dispatch.enabled", notEquals = "false")
public class TaskSignalListener {
    private static final Logger LOG = LoggerFactory.getLogger(TaskSignalListener.class);

    private final Enqueuer enqueuer;
    private final MemoryReplies memories;
    private final ApprovalDecisions approvals;

    public TaskSignalListener(Enqueuer enqueuer, MemoryReplies memories,
                              ApprovalDecisions approvals) {
        this.enqueuer = enqueuer;
        this.memories = memories;
        this.approvals = approvals;
    }

    @EventListener
    public void on(TaskSignal signal) {
        try {
            if (signal instanceof TaskSignal.AssignedToBot a) {
                enqueuer.enqueue(a.taskId(), a.byUserGid(), null);
            } else if (signal instanceof TaskSignal.PersonCommented c) {
                // A comment may decide an approval the task waits on; else, while an execution is open,
                // it waits: the reconciler starts the follow-up after it.
                approvals.decide(java.util.Optional.of(c.taskId()));
                enqueuer.enqueue(c.taskId(), c.authorGid(), c.commentGid());
            } else if (signal instanceof TaskSignal.Mentioned m) {
                enqueuer.mention(m.taskId(), m.commentGid(), m.authorGid(), m.botGid());
            } else if (signal instanceof TaskSignal.Remember m) {
                memories.remember(m.commentGid());
            } else if (signal instanceof TaskSignal.Withdrawn w) {
                enqueuer.withdraw(w.taskId(), "the task was " + w.reason().name().toLowerCase() + " in Asana");
            }
        } catch (RuntimeException e) {
            // The signal is a hint; the reconciler will find the work from the database.
            LOG.warn("event=task_signal_failed task={} signal={} error={}", signal.taskGid(),
                    signal.getClass().getSimpleName(), e.getMessage());
        }
    }
}
