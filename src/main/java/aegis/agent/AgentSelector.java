package aegis.agent;

/** Chooses which agent kind runs a task: per project in configuration, overridable per task. */
public interface AgentSelector {
    String kindFor(AgentRequest.TaskView task, AgentRequest.ProjectView project);

    /** As above for a bot whose own default kind is {@code botKind}: it comes before the project's. */
    default String kindFor(AgentRequest.TaskView task, AgentRequest.ProjectView project,
                           java.util.Optional<String> botKind) {
        return kindFor(task, project);
    }
}
