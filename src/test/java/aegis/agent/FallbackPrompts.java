package aegis.agent;

import io.micronaut.context.annotation.Secondary;
import jakarta.inject.Singleton;
import java.util.List;

/** Tests' prompts until the agents package's real one is merged: the task text, no template. */
@Singleton
@Secondary
public class FallbackPrompts implements Prompts {
    @Override
    public RenderedPrompt render(String agentType, AgentRequest.TaskView task, List<AgentRequest.CommentView> thread,
                                 AgentRequest.ProjectView project) {
        return new RenderedPrompt(null, null, null, "You are a helpful agent.",
                task.name() + "\n\n" + (task.notes() == null ? "" : task.notes()));
    }

    @Override
    public void recordUsage(long templateId, boolean success, long tokens) {
        // No templates here, so no statistics to keep.
    }
}
