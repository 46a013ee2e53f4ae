package aegis.agent;

/** Renders the active prompt template for an agent kind and keeps each template's statistics. */
public interface Prompts {
    /**
     * Renders the active template for {@code agentType}. An undeclared or missing variable is
     * an error ({@link IllegalStateException} naming it), never an empty string.
     */
    RenderedPrompt render(String agentType, AgentRequest.TaskView task,
                          java.util.List<AgentRequest.CommentView> thread, AgentRequest.ProjectView project);

    /**
     * As above, with {@code memory}: what the project recalls for this task, the value of
     * {@code {{memory}}} (empty when there is nothing). Renderers without the variable ignore it.
     */
    default RenderedPrompt render(String agentType, AgentRequest.TaskView task,
                                  java.util.List<AgentRequest.CommentView> thread, AgentRequest.ProjectView project,
                                  String memory) {
        return render(agentType, task, thread, project);
    }

    /** After an execution: usage count, success rate and average tokens of the template. */
    void recordUsage(long templateId, boolean success, long tokens);
}
