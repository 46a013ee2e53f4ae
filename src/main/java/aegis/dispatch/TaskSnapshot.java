package aegis.dispatch;

import aegis.agent.AgentRequest;

/** A tracked task as dispatch sees it: what an agent is shown plus what decides whether it still wants work. */
public record TaskSnapshot(
        AgentRequest.TaskView task,
        AgentRequest.ProjectView project,
        String assigneeGid,
        boolean completed,
        boolean deleted,
        boolean projectArchived,
        String customFieldsJson) {

    /** Open, not deleted, in a tracked project, assigned to {@code botGid}. */
    public boolean wantsBot(String botGid) {
        return !completed && !deleted && !projectArchived && botGid != null && botGid.equals(assigneeGid);
    }
}
