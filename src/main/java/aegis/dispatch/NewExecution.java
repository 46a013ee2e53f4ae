package aegis.dispatch;

/** What enqueueing writes; {@code contextJson} is a JSON object; {@code bot} the configured name of the bot that runs it. */
public record NewExecution(long taskId, String kind, String agentType, int priority, int maxAttempts,
                           String requestedByGid, String triggerCommentGid, String contextJson, String bot) {
    /** Work of the main bot. */
    public NewExecution(long taskId, String kind, String agentType, int priority, int maxAttempts,
                        String requestedByGid, String triggerCommentGid, String contextJson) {
        this(taskId, kind, agentType, priority, maxAttempts, requestedByGid, triggerCommentGid, contextJson,
                aegis.config.BotSettings.MAIN);
    }
}
