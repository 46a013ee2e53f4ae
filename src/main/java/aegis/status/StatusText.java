package aegis.status;

import aegis.governance.PauseState;
import java.util.Map;
import java.util.stream.Collectors;

/** {@link Status} for a person at a terminal (the browser's page is {@link Pages}'). */
public final class StatusText {
    private StatusText() {
    }

    public static String plain(Status s) {
        StringBuilder b = new StringBuilder();
        Status.Orchestrator o = s.orchestrator();
        b.append("Aegis ").append(s.version()).append(" — orchestrator ").append(o.status())
                .append(" (instance ").append(dash(o.instanceId())).append(", pid ").append(o.pid() == null ? "-" : o.pid())
                .append(", up ").append(human(s.uptimeSeconds())).append(")\n");
        if (s.pause().global() != null) {
            b.append("PAUSED:       ").append(pause(s.pause().global())).append(" — aegis resume to go on\n");
        }
        for (PauseState.Pause p : s.pause().projects()) {
            b.append("Paused:       project ").append(p.projectGid()).append(' ').append(pause(p)).append('\n');
        }
        b.append("Last syncs:   full ").append(dash(s.lastSyncs().fullSyncAt()))
                .append(" · events ").append(dash(s.lastSyncs().eventsPollAt()))
                .append(" · webhook ").append(dash(s.lastSyncs().webhookAt())).append('\n');
        b.append("Queue:        ").append(counts(s.queue())).append('\n');
        b.append("Today (UTC):  ").append(s.today().executions()).append(" executions (")
                .append(counts(s.today().byStatus())).append("), tokens ").append(s.today().inputTokens())
                .append(" in / ").append(s.today().outputTokens()).append(" out, cost $")
                .append(s.today().costUsd()).append('\n');
        b.append("Totals:       ").append(o.totalExecutions()).append(" executions, cost $")
                .append(o.totalCostUsd()).append(", ").append(o.activeAgents()).append(" active agents (as of ")
                .append(dash(o.updatedAt())).append(")\n");
        b.append("Agents:       ").append(s.agents().total()).append(" (").append(counts(s.agents().byStatus())).append(")\n");
        for (Status.Agent a : s.agents().list()) {
            b.append("  ").append(a.name()).append(" [").append(a.type()).append("] ").append(a.status())
                    .append(" on ").append(dash(a.instanceId())).append(", done ").append(a.tasksCompleted())
                    .append(", failed ").append(a.tasksFailed()).append(", $").append(a.totalCostUsd()).append('\n');
        }
        for (Status.Bot bot : s.bots()) {
            b.append("Bot ").append(bot.name()).append(":").append(" ".repeat(Math.max(1, 9 - bot.name().length())))
                    .append(bot.running()).append(" running").append(bot.runningExecutions().isEmpty() ? ""
                            : " " + bot.runningExecutions()).append(", ").append(bot.waiting()).append(" waiting, ")
                    .append(bot.executionsToday()).append(" today, $").append(bot.costUsdToday()).append('\n');
        }
        Status.Inbox in = s.webhooks().inbox();
        b.append("Webhooks:     ").append(s.webhooks().subscriptions().size()).append(" subscription(s); inbox ")
                .append(in.pending()).append(" pending, ").append(in.processing()).append(" processing, ")
                .append(in.failed()).append(" failed")
                .append(in.oldestPendingSeconds() == null ? "" : ", oldest " + human(in.oldestPendingSeconds()))
                .append('\n');
        for (Status.Subscription w : s.webhooks().subscriptions()) {
            b.append("  ").append(w.resourceGid()).append(' ').append(w.health())
                    .append(" (heartbeat ").append(dash(w.lastHeartbeatAt())).append(", delivery ")
                    .append(dash(w.lastDeliveryAt())).append(')')
                    .append(w.lastError() == null ? "" : " error: " + w.lastError()).append('\n');
        }
        b.append("Nodes:        ").append(s.nodes().isEmpty() ? "none checked in" : s.nodes().stream()
                .map(n -> n.instance() + (n.alive() ? "" : " (silent)")).collect(Collectors.joining(", ")))
                .append('\n');
        b.append("Budgets:      ").append(s.budgets().isEmpty() ? "no spending caps" : s.budgets().size() + " cap(s)")
                .append('\n');
        for (Status.Budget c : s.budgets()) {
            b.append("  ").append(c.scope()).append('/').append(c.period()).append(": ");
            if (c.limitUsd() != null) {
                b.append('$').append(c.spentUsd()).append(" of $").append(c.limitUsd()).append(", $")
                        .append(c.remainingUsd()).append(" left");
            }
            if (c.limitTokens() != null) {
                b.append(c.limitUsd() == null ? "" : "; ").append(c.spentTokens()).append(" of ")
                        .append(c.limitTokens()).append(" tokens, ").append(c.remainingTokens()).append(" left");
            }
            b.append(c.held() == 0 ? "" : "; " + c.held() + " held").append(" (renews ").append(c.periodEnd())
                    .append(")\n");
        }
        return b.toString();
    }

    private static String pause(PauseState.Pause p) {
        return "by " + p.pausedBy() + " since " + p.pausedAt() + (p.reason() == null ? "" : ": " + p.reason());
    }

    private static String counts(Map<String, Long> m) {
        return m.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    private static String dash(Object o) {
        return o == null ? "-" : o.toString();
    }

    private static String human(long seconds) {
        if (seconds < 120) {
            return seconds + "s";
        }
        if (seconds < 7200) {
            return (seconds / 60) + "m";
        }
        if (seconds < 172800) {
            return (seconds / 3600) + "h" + (seconds % 3600 / 60) + "m";
        }
        return (seconds / 86400) + "d";
    }
}
