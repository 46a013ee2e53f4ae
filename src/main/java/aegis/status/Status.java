package aegis.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import aegis.governance.PauseState;
import java.util.List;
import java.util.Map;

/**
 * What {@code GET /status}, the page at {@code /} and {@code aegis status} report. Times are
 * ISO-8601 UTC strings (null when never), money is a decimal string in US dollars; JSON keys
 * are these names in snake_case, nulls included. The annotations carry that format to any
 * mapper (Jackson applies them per type, hence one pair on each record).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Status(
        String version,
        String instance,
        long uptimeSeconds,
        String generatedAt,
        Orchestrator orchestrator,
        PauseState pause,
        LastSyncs lastSyncs,
        Map<String, Long> queue,
        Agents agents,
        Today today,
        Webhooks webhooks,
        List<Node> nodes,
        List<Bot> bots,
        List<Budget> budgets) {

    /**
     * A bot's work, as its executions record it ({@code task_executions.bot}): open now (pending,
     * held, awaiting approval), running now, and created since 00:00 UTC with their cost.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Bot(String name, long waiting, long running, List<Long> runningExecutions, long executionsToday,
                      String costUsdToday) {
    }

    /** The system_state row, as the last refresh (or start) left it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Orchestrator(String status, String instanceId, Long pid, String startedAt, String updatedAt,
                               long totalExecutions, String totalCostUsd, int activeAgents) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record LastSyncs(String fullSyncAt, String eventsPollAt, String webhookAt) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Agents(long total, Map<String, Long> byStatus, List<Agent> list) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    /** A worker; while busy, the task it works on ({@code agents.current_task_id}) and its running execution. */
    public record Agent(String name, String type, String status, String instanceId, String lastActiveAt,
                        long tasksCompleted, long tasksFailed, String totalCostUsd, String currentTaskGid,
                        String currentTaskName, String currentTaskUrl, Long currentExecutionId) {
    }

    /** Executions created since 00:00 UTC. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Today(long executions, Map<String, Long> byStatus, long inputTokens, long outputTokens,
                        String costUsd) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Webhooks(List<Subscription> subscriptions, Inbox inbox) {
    }

    /** health: ok, stale (active, silent too long), pending, failed or deleted. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Subscription(String id, String resourceGid, String status, String health,
                               String lastHeartbeatAt, String lastDeliveryAt, String lastError) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Inbox(long pending, long processing, long failed, Long oldestPendingSeconds) {
    }

    /**
     * A spending cap this period: limits and what remains are null where the cap sets none;
     * {@code held}: executions waiting for this cap.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Budget(String scope, String period, String periodEnd, String limitUsd, String spentUsd,
                         String remainingUsd, Long limitTokens, long spentTokens, Long remainingTokens, long held) {
    }

    /** A scheduler node of the cluster, as Quartz's check-ins see it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Node(String instance, String lastCheckinAt, boolean alive) {
    }
}
