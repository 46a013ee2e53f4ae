package aegis.dispatch;

import aegis.agent.AgentRequest;
import aegis.agent.Prompts;
import aegis.agent.RenderedPrompt;

import java.util.List;

/** The pool harness's prompts: the task text, no template (the pool tests are about the queue). */
public class TaskTextPrompts implements Prompts {
    @Override
    public RenderedPrompt render(String agentType, AgentRequest.TaskView task, List<AgentRequest.CommentView> thread,
                                 AgentRequest.ProjectView project, String persona, String memory) {
        return new RenderedPrompt(null, null, null, "You are a helpful agent.",
                task.name() + "\n\n" + (task.notes() == null ? "" : task.notes()));
    }

    @Override
    public void recordUsage(long templateId, boolean success, long tokens) {
        // No templates here, so no statistics to keep.
    }
}
