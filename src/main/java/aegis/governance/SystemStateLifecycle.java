package aegis.governance;

import aegis.db.Jdbc;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks the orchestrator running at start and stopped at shutdown — the latter only if no
 * other node has taken the row over since (the periodic refresh claims it for a live node). A
 * pause outlives restarts: neither changes it.
 */
@Singleton
@Requires(property = "aegis.jobs.enabled", notEquals = "false")
public final class SystemStateLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(SystemStateLifecycle.class);
    private final SystemStateRefresh refresh;
    private final Jdbc jdbc;
    private final Instance instance;

    public SystemStateLifecycle(SystemStateRefresh refresh, Jdbc jdbc, Instance instance) {
        this.refresh = refresh;
        this.jdbc = jdbc;
        this.instance = instance;
    }

    @EventListener
    void onStartup(StartupEvent event) {
        try {
            refresh.run();
        } catch (RuntimeException e) {
            LOG.warn("event=system_state_start_failed error={}", e.getClass().getSimpleName(), e);
        }
    }

    @PreDestroy
    void onShutdown() {
        try {
            jdbc.withConnection(c -> {
                try (var ps = c.prepareStatement(
                        "UPDATE system_state SET orchestrator_status = 'stopped' WHERE id = 1 AND instance_id = ?"
                        + " AND orchestrator_status <> 'paused'")) {
                    ps.setString(1, instance.id());
                    return ps.executeUpdate();
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("event=system_state_stop_failed error={}", e.getClass().getSimpleName());
        }
    }
}
