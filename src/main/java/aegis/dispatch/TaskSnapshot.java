package aegis.dispatch;

import aegis.agent.AgentRequest;

/**
 * A tracked task as dispatch sees it: what an agent is shown plus what decides whether it still
 * wants work; {@code createdAt} is when it was created in Asana (else when it was first mirrored).
 */
public record TaskSnapshot(
        AgentRequest.TaskView task,
        AgentRequest.ProjectView project,
        String assigneeGid,
        boolean completed,
        boolean deleted,
        boolean projectArchived,
        String customFieldsJson,
        java.time.Instant createdAt) {

    /** Open, not deleted, in a tracked project, assigned to {@code botGid}. */
    public boolean wantsBot(String botGid) {
        return !completed && !deleted && !projectArchived && botGid != null && botGid.equals(assigneeGid);
    }
}
