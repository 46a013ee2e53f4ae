package aegis.dispatch;

import java.time.Instant;

/**
 * A claimed execution as the worker sees it. {@code owedOutcome} is set when an earlier
 * attempt already reached an outcome that was not yet reported in Asana (the worker died
 * in between): the worker then reports it instead of running the agent again.
 * {@code leaseOwner} is this claim's lease token: every write the worker makes is guarded on it.
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
        String contextJson,
        String leaseOwner,
        Instant createdAt) {

    /** The marker that ends the comment answering this execution. */
    public String marker() {
        return marker(id);
    }

    private static final java.util.regex.Pattern DEFERRALS =
            java.util.regex.Pattern.compile("\"report_deferrals\"\\s*:\\s*(\\d+)");

    /** How many times reporting this execution's outcome was put off (Asana failing). */
    public int reportDeferrals() {
        if (contextJson == null) {
            return 0;
        }
        var m = DEFERRALS.matcher(contextJson);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
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
