package aegis.agent;

import aegis.config.ProjectSettings;
import io.micronaut.context.annotation.Secondary;
import jakarta.inject.Singleton;

/** Tests' selector until the agents package's real one is merged: the project's kind, else echo. */
@Singleton
@Secondary
public class FallbackAgentSelector implements AgentSelector {
    private final ProjectSettings.All projects;

    public FallbackAgentSelector(ProjectSettings.All projects) {
        this.projects = projects;
    }

    @Override
    public String kindFor(AgentRequest.TaskView task, AgentRequest.ProjectView project) {
        return projects.forProject(project.gid()).agentKind().orElse(EchoAgent.KIND);
    }
}
