package aegis.dispatch;

/** What enqueueing writes; {@code contextJson} is a JSON object. */
public record NewExecution(long taskId, String kind, String agentType, int priority, int maxAttempts,
                           String requestedByGid, String triggerCommentGid, String contextJson) {
}
