package aegis.agent;

/** Renders the active prompt template for an agent kind and keeps each template's statistics. */
public interface Prompts {
    /**
     * Renders the active template for {@code agentType}. An undeclared or missing variable is
     * an error ({@link IllegalStateException} naming it), never an empty string. {@code persona}: the
     * behaviour guidance of the bot that runs the task ({@code {{persona}}}; empty when it has none).
     * {@code memory}: what the project recalls for this task ({@code {{memory}}}, task-derived text for
     * the user part only; empty when there is nothing).
     */
    RenderedPrompt render(String agentType, AgentRequest.TaskView task,
                          java.util.List<AgentRequest.CommentView> thread, AgentRequest.ProjectView project,
                          String persona, String memory);

    /** As above, with nothing recalled. */
    default RenderedPrompt render(String agentType, AgentRequest.TaskView task,
                                  java.util.List<AgentRequest.CommentView> thread, AgentRequest.ProjectView project,
                                  String persona) {
        return render(agentType, task, thread, project, persona, "");
    }

    /** After an execution: usage count, success rate and average tokens of the template. */
    void recordUsage(long templateId, boolean success, long tokens);
}
