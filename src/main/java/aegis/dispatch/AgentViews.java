package aegis.dispatch;

import aegis.agent.AgentRequest;
import aegis.sync.MirroredTask;
import java.util.List;

/** What an agent is shown of a mirrored task: the mirror's records as the agent boundary's views. */
final class AgentViews {
    private AgentViews() {
    }

    static AgentRequest.TaskView task(MirroredTask t) {
        return new AgentRequest.TaskView(t.id(), t.gid(), t.name(), t.notes(), t.permalinkUrl(), t.dueOn(), t.dueAt(),
                t.tags());
    }

    static AgentRequest.ProjectView project(MirroredTask t) {
        MirroredTask.Project p = t.project();
        return new AgentRequest.ProjectView(p.id(), p.gid(), p.name(), p.codePath());
    }

    static List<AgentRequest.CommentView> thread(List<MirroredTask.Comment> comments) {
        return comments.stream().map(c -> new AgentRequest.CommentView(c.gid(), c.authorGid(), c.authorName(),
                c.text(), c.createdAt(), c.fromBot())).toList();
    }
}
