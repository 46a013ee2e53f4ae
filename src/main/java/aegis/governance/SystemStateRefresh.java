package aegis.governance;

import aegis.db.Jdbc;
import aegis.jobs.PeriodicTask;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;

/**
 * Keeps the one system_state row current ({@code AEGIS_SCHEDULE_SYSTEM_STATE}, every 30 s by
 * default): the node that refreshes it, its pid and start, the latest syncs, totals over live
 * and archived executions, and the agents that are up. The latest syncs are the owners' own
 * records (projects' last full sync and events poll, subscriptions' last delivery), which
 * the refresh copies forward, never back. A pause ({@link PauseControl}) is left as it is: only
 * a resume ends it.
 *
 * <p>The archive's part of the totals is the one dispatch's archival keeps in
 * execution_archive_totals, in the statement that moves the rows. The live count and that row
 * are read in this statement's one snapshot, so a batch is counted either still live or
 * already archived, never both or neither.
 */
@Singleton
public final class SystemStateRefresh implements PeriodicTask {
    private final Jdbc jdbc;
    private final Instance instance;

    public SystemStateRefresh(Jdbc jdbc, Instance instance) {
        this.jdbc = jdbc;
        this.instance = instance;
    }

    @Override
    public String name() {
        return "system-state";
    }

    @Override
    public Duration defaultPeriod() {
        return Duration.ofSeconds(30);
    }

    @Override
    public void run() {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE system_state SET
                      orchestrator_status = CASE WHEN orchestrator_status = 'paused' THEN 'paused'
                                                 WHEN orchestrator_status IN ('draining', 'error') AND instance_id = ?
                                                 THEN orchestrator_status ELSE 'running' END,
                      instance_id = ?, pid = ?, started_at = ?,
                      last_full_sync_at = GREATEST(last_full_sync_at, (SELECT max(last_synced_at) FROM projects)),
                      last_events_poll_at = GREATEST(last_events_poll_at, (SELECT max(last_events_at) FROM projects)),
                      last_webhook_at = GREATEST(last_webhook_at,
                                                 (SELECT max(last_delivery_at) FROM webhook_subscriptions)),
                      total_executions = (SELECT count(*) FROM task_executions)
                                         + (SELECT executions FROM execution_archive_totals WHERE id = 1),
                      total_cost_usd = (SELECT coalesce(sum(cost_usd), 0) FROM task_executions)
                                       + (SELECT cost_usd FROM execution_archive_totals WHERE id = 1),
                      active_agents = (SELECT count(*) FROM agents WHERE status IN ('idle', 'busy'))
                    WHERE id = 1""")) {
                ps.setString(1, instance.id());
                ps.setString(2, instance.id());
                ps.setLong(3, instance.pid());
                ps.setTimestamp(4, Timestamp.from(instance.startedAt()));
                return ps.executeUpdate();
            }
        });
    }
}
