package aegis.dispatch;

import java.time.Instant;

/**
 * A claimed execution as the worker sees it. {@code owedOutcome} is set when an earlier
 * attempt already reached an outcome that was not yet reported in Asana (the worker died
 * in between): the worker then reports it instead of running the agent again.
 * {@code leaseOwner} is this claim's lease token: every write the worker makes is guarded on it.
 * {@code reportDeferrals}: how many times reporting the outcome was put off (Asana failing),
 * kept in the execution's context; the rest of the context (the thread at enqueue) is not read.
 * {@code agentId}: the worker ({@code agents} row) this claim was made for, if any.
 * {@code bot}: the configured name of the bot that runs it, whose token makes its Asana writes.
 */
public record Execution(
        long id,
        long taskId,
        String taskGid,
        String kind,
        String agentType,
        int attempt,
        int maxAttempts,
        String requestedByGid,
        String triggerCommentGid,
        String owedOutcome,
        String result,
        String error,
        int reportDeferrals,
        String leaseOwner,
        Long agentId,
        Instant createdAt,
        String bot) {

    /** An execution of the main bot. */
    public Execution(long id, long taskId, String taskGid, String kind, String agentType, int attempt, int maxAttempts,
                     String requestedByGid, String triggerCommentGid, String owedOutcome, String result, String error,
                     int reportDeferrals, String leaseOwner, Long agentId, Instant createdAt) {
        this(id, taskId, taskGid, kind, agentType, attempt, maxAttempts, requestedByGid, triggerCommentGid, owedOutcome,
                result, error, reportDeferrals, leaseOwner, agentId, createdAt, aegis.config.BotSettings.MAIN);
    }

    /** A run started by an @mention: it answers in the thread and never changes the task. */
    public boolean mention() {
        return KIND_MENTION.equals(kind);
    }

    public static final String KIND_MENTION = "mention";

    /** The marker that ends the comment answering this execution. */
    public String marker() {
        return marker(id);
    }

    /** The instance id within a lease token ({@code instanceId:random}); a bare id is returned as is. */
    public static String instanceOf(String leaseOwner) {
        if (leaseOwner == null) {
            return null;
        }
        int i = leaseOwner.lastIndexOf(':');
        return i < 0 ? leaseOwner : leaseOwner.substring(0, i);
    }

    public static String marker(long executionId) {
        return "— Aegis · run " + executionId;
    }
}
