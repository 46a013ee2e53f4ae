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

    static List<TaskSignal> of(Set<String> botGids, Collection<Change> changes, Collection<NewComment> comments,
                               Map<String, String> actorByTask, Set<String> botBefore) {
        return of(botGids, changes, comments, actorByTask, botBefore, java.time.Instant.now().minus(Mentions.WINDOW));
    }

    /**
     * A person's new comment that @-mentions a bot raises {@link TaskSignal.Mentioned} on any task;
     * dispatch leaves it to the assignment's follow-up when that bot is the task's assignee. Only a
     * comment written since {@code mentionsSince} calls (see {@link Mentions#WINDOW}).
     *
     * @param actorByTask who caused a task's change, where known (for AssignedToBot)
     * @param botBefore   tasks that wanted the bot before these changes: only their new
     *                    comments are news (a newly assigned task's thread is read with it)
     */
    static List<TaskSignal> of(Set<String> botGids, Collection<Change> changes, Collection<NewComment> comments,
                               Map<String, String> actorByTask, Set<String> botBefore,
                               java.time.Instant mentionsSince) {
        List<TaskSignal> out = new ArrayList<>();
        for (Change ch : changes) {
            boolean was = ch.before() != null && ch.before().wantsBot(botGids);
            boolean is = ch.after().wantsBot(botGids);
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
            // Only a person's comment calls a bot: a bot mentioning a bot starts nothing; "remember:" is not a call.
            boolean recent = c.createdAt() == null || !c.createdAt().isBefore(mentionsSince);
            if (recent && !c.fromBot() && !c.remember() && (c.authorGid() == null || !botGids.contains(c.authorGid()))) {
                for (String gid : Mentions.users(c.htmlText())) {
                    if (botGids.contains(gid)) {
                        out.add(new TaskSignal.Mentioned(c.taskId(), c.taskGid(), c.commentGid(), c.authorGid(), gid));
                    }
                }
            }
        }
        return out;
    }
}
