package aegis.sync;

import aegis.sync.TaskStore.Change;
import aegis.sync.TaskStore.NewComment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Which {@link TaskSignal}s a set of committed changes raises. Pure: unit-tested on its own. */
final class Signals {
    private Signals() {
    }

    /**
     * @param actorByTask who caused a task's change, where known (for AssignedToBot)
     * @param botBefore   tasks that wanted the bot before these changes: only their new
     *                    comments are news (a newly assigned task's thread is read with it)
     */
    static List<TaskSignal> of(String botGid, Collection<Change> changes, Collection<NewComment> comments,
                               Map<String, String> actorByTask, Set<String> botBefore) {
        List<TaskSignal> out = new ArrayList<>();
        for (Change ch : changes) {
            boolean was = ch.before() != null && ch.before().wantsBot(botGid);
            boolean is = ch.after().wantsBot(botGid);
            if (!was && is) {
                out.add(new TaskSignal.AssignedToBot(ch.taskId(), ch.taskGid(), actorByTask.get(ch.taskGid())));
            } else if (was && !is) {
                TaskSignal.Reason why = ch.after().deleted() ? TaskSignal.Reason.DELETED
                        : ch.after().completed() ? TaskSignal.Reason.COMPLETED : TaskSignal.Reason.UNASSIGNED;
                out.add(new TaskSignal.Withdrawn(ch.taskId(), ch.taskGid(), why));
            }
        }
        for (NewComment c : comments) {
            if (!c.fromBot() && c.remember()) {
                out.add(new TaskSignal.Remember(c.taskId(), c.taskGid(), c.commentGid(), c.authorGid()));
            } else if (!c.fromBot() && botBefore.contains(c.taskGid())) {
                out.add(new TaskSignal.PersonCommented(c.taskId(), c.taskGid(), c.commentGid(), c.authorGid()));
            }
        }
        return out;
    }
}
