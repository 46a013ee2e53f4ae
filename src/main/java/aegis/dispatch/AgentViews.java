package aegis.dispatch;

import aegis.agent.AgentRequest;
import aegis.sync.MirroredTask;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What an agent is shown of a mirrored task: the mirror's records as the agent boundary's views. */
final class AgentViews {
    private AgentViews() {
    }

    static AgentRequest.TaskView task(MirroredTask t) {
        Map<String, String> fields = new LinkedHashMap<>();
        t.customFields().stream().filter(f -> f.text() != null).forEach(f -> fields.putIfAbsent(f.name(), f.text()));
        return new AgentRequest.TaskView(t.id(), t.gid(), t.name(), t.notes(), t.permalinkUrl(), t.dueOn(), t.dueAt(),
                t.tags(), Collections.unmodifiableMap(fields));
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
