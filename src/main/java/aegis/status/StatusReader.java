package aegis.status;

import aegis.governance.Instance;
import aegis.governance.PauseControl;
import aegis.governance.PauseState;
import aegis.db.Jdbc;
import aegis.governance.BudgetUsage;
import aegis.jobs.ClusteredScheduler;
import aegis.webhook.InboxBacklog;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@link Status} from the database: every figure is what the tables say now. The inbox's
 * figures come from its owner ({@link InboxBacklog}).
 */
@Singleton
public final class StatusReader {
    private static final List<String> EXECUTION_STATUSES = ExecutionFilter.STATUSES;
    private static final List<String> AGENT_STATUSES = List.of("idle", "busy", "stopped", "error");

    private final Jdbc jdbc;
    private final StatusSettings settings;
    private final InboxBacklog inbox;
    private final BudgetUsage budgets;

    public StatusReader(Jdbc jdbc, StatusSettings settings, InboxBacklog inbox, BudgetUsage budgets) {
        this.budgets = budgets;
        this.jdbc = jdbc;
        this.settings = settings;
        this.inbox = inbox;
    }

    /** The status as seen by {@code instance} (null for the command line: no daemon is answering). */
    public Status read(Instance instance) {
        // The inbox's owner reads on connections of its own: asked first, so this read holds one at a time.
        InboxBacklog.Backlog backlog = inbox.backlog();
        Status.Inbox inboxNow = new Status.Inbox(backlog.pending(), backlog.processing(), inbox.failedDeliveries(),
                backlog.oldestSeconds());
        List<BudgetUsage.Line> caps = budgets.current();
        return jdbc.withConnection(c -> {
            Status.Orchestrator orch;
            Status.LastSyncs syncs;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT orchestrator_status, instance_id, pid, started_at, updated_at, total_executions,
                           total_cost_usd, active_agents,
                           GREATEST(last_full_sync_at, (SELECT max(last_synced_at) FROM projects)),
                           GREATEST(last_events_poll_at, (SELECT max(last_events_at) FROM projects)),
                           GREATEST(last_webhook_at, (SELECT max(last_delivery_at) FROM webhook_subscriptions))
                      FROM system_state WHERE id = 1""");
                 ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("system_state has no row; run 'aegis migrate'");
                }
                long pid = rs.getLong(3);
                orch = new Status.Orchestrator(rs.getString(1), rs.getString(2), rs.wasNull() ? null : pid,
                        iso(rs.getTimestamp(4)), iso(rs.getTimestamp(5)), rs.getLong(6), money(rs.getBigDecimal(7)),
                        rs.getInt(8));
                syncs = new Status.LastSyncs(iso(rs.getTimestamp(9)), iso(rs.getTimestamp(10)), iso(rs.getTimestamp(11)));
            }

            PauseState pause = PauseControl.read(c);

            Map<String, Long> queue = zeroes(EXECUTION_STATUSES);
            query(c, "SELECT status, count(*) FROM task_executions GROUP BY status",
                    rs -> queue.put(rs.getString(1), rs.getLong(2)));

            Map<String, Long> agentsByStatus = zeroes(AGENT_STATUSES);
            List<Status.Agent> agents = new ArrayList<>();
            // The running execution by the agent's own index (task_executions_agent_idx), one per busy worker.
            query(c, """
                    SELECT a.name, a.agent_type, a.status, a.instance_id, a.last_active_at, a.tasks_completed,
                           a.tasks_failed, a.total_cost_usd, t.asana_gid, t.name, t.permalink_url,
                           (SELECT e.id FROM task_executions e
                             WHERE e.agent_id = a.id AND e.status = 'running' ORDER BY e.id DESC LIMIT 1)
                      FROM agents a LEFT JOIN tasks t ON t.id = a.current_task_id ORDER BY a.name""", rs -> {
                long running = rs.getLong(12);
                agents.add(new Status.Agent(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        iso(rs.getTimestamp(5)), rs.getLong(6), rs.getLong(7), money(rs.getBigDecimal(8)),
                        rs.getString(9), rs.getString(10), rs.getString(11), rs.wasNull() ? null : running));
                agentsByStatus.merge(rs.getString(3), 1L, Long::sum);
            });

            Map<String, Long> todayByStatus = zeroes(EXECUTION_STATUSES);
            long[] sums = new long[2];
            BigDecimal[] cost = {BigDecimal.ZERO};
            query(c, """
                    SELECT status, count(*), sum(input_tokens), sum(output_tokens), sum(cost_usd)
                      FROM task_executions
                     WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                     GROUP BY status""", rs -> {
                todayByStatus.put(rs.getString(1), rs.getLong(2));
                sums[0] += rs.getLong(3);
                sums[1] += rs.getLong(4);
                cost[0] = cost[0].add(rs.getBigDecimal(5));
            });
            long todayCount = todayByStatus.values().stream().mapToLong(Long::longValue).sum();

            List<Status.Subscription> subs = new ArrayList<>();
            query(c, """
                    SELECT id::text, resource_gid, status, last_heartbeat_at, last_delivery_at, last_error,
                           GREATEST(last_heartbeat_at, last_delivery_at, created_at) < now() - make_interval(secs => %d)
                      FROM webhook_subscriptions ORDER BY resource_gid, created_at"""
                    .formatted(settings.webhookStaleAfter().toSeconds()), rs -> {
                String st = rs.getString(3);
                String health = st.equals("active") ? (rs.getBoolean(7) ? "stale" : "ok") : st;
                subs.add(new Status.Subscription(rs.getString(1), rs.getString(2), st, health,
                        iso(rs.getTimestamp(4)), iso(rs.getTimestamp(5)), rs.getString(6)));
            });

            List<Status.Node> nodes = new ArrayList<>();
            query(c, """
                    SELECT instance_name, last_checkin_time, checkin_interval FROM qrtz_scheduler_state
                     WHERE sched_name = '%s' ORDER BY instance_name""".formatted(ClusteredScheduler.CLUSTER_NAME), rs -> {
                Instant at = Instant.ofEpochMilli(rs.getLong(2));
                boolean alive = at.plusMillis(2 * rs.getLong(3) + 7_500).isAfter(Instant.now());
                nodes.add(new Status.Node(rs.getString(1), at.toString(), alive));
            });

            Map<String, Status.Bot> bots = new LinkedHashMap<>();
            query(c, """
                    SELECT bot,
                           count(*) FILTER (WHERE status IN ('pending', 'held', 'awaiting_approval')),
                           count(*) FILTER (WHERE status = 'running'),
                           coalesce(array_agg(id ORDER BY id) FILTER (WHERE status = 'running'), '{}'),
                           count(*) FILTER (WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
                           coalesce(sum(cost_usd) FILTER (WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'UTC')
                                                                           AT TIME ZONE 'UTC'), 0)
                      FROM task_executions
                     WHERE status IN ('pending', 'held', 'awaiting_approval', 'running')
                        OR created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                     GROUP BY bot ORDER BY bot""", rs -> {
                List<Long> ids = new ArrayList<>();
                for (Object id : (Object[]) rs.getArray(4).getArray()) {
                    ids.add(((Number) id).longValue());
                }
                bots.put(rs.getString(1), new Status.Bot(rs.getString(1), rs.getLong(2), rs.getLong(3), ids,
                        rs.getLong(5), money(rs.getBigDecimal(6))));
            });

            Map<String, Long> heldByCap = new LinkedHashMap<>();
            query(c, """
                    SELECT context->'budget_hold'->>'cap', count(*) FROM task_executions
                     WHERE status = 'held' GROUP BY 1""", rs -> heldByCap.put(rs.getString(1), rs.getLong(2)));
            List<Status.Budget> budgetList = caps.stream().map(l -> new Status.Budget(l.cap().scope().toString(),
                    l.cap().period().label(), l.periodEnd().toString(), l.cap().usd() == null ? null : money(l.cap().usd()),
                    money(l.spentUsd()), l.remainingUsd() == null ? null : money(l.remainingUsd()), l.cap().tokens(),
                    l.spentTokens(), l.remainingTokens(), heldByCap.getOrDefault(l.cap().name(), 0L))).toList();

            long uptime = instance != null ? instance.uptime().toSeconds()
                    : orch.startedAt() == null ? 0
                    : Duration.between(Instant.parse(orch.startedAt()), Instant.now()).toSeconds();
            return new Status(Version.current(), instance == null ? orch.instanceId() : instance.id(), uptime,
                    Instant.now().toString(), orch, pause, syncs, queue,
                    new Status.Agents(agents.size(), agentsByStatus, agents),
                    new Status.Today(todayCount, todayByStatus, sums[0], sums[1], money(cost[0])),
                    new Status.Webhooks(subs, inboxNow), nodes, List.copyOf(bots.values()),
                    budgetList);
        });
    }

    private static Map<String, Long> zeroes(List<String> keys) {
        Map<String, Long> m = new LinkedHashMap<>();
        keys.forEach(k -> m.put(k, 0L));
        return m;
    }

    private interface Row {
        void accept(ResultSet rs) throws SQLException;
    }

    private static void query(Connection c, String sql, Row row) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                row.accept(rs);
            }
        }
    }

    static String iso(Timestamp t) {
        return t == null ? null : t.toInstant().toString();
    }

    static String money(BigDecimal d) {
        return d == null ? "0.000000" : d.setScale(6, java.math.RoundingMode.HALF_UP).toPlainString();
    }
}
