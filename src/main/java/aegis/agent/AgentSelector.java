package aegis.agent;

/** Chooses which agent kind runs a task: per project in configuration, overridable per task. */
public interface AgentSelector {
    String kindFor(AgentRequest.TaskView task, AgentRequest.ProjectView project);
}
