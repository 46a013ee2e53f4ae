package aegis.dispatch;

import aegis.governance.PauseChange;
import aegis.governance.PauseListener;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a pause or resume tells every instance, in its transaction: a resume wakes the workers
 * (claims read the pause themselves, so a pause needs no word); {@code pause --now} names each
 * running execution it stops ({@code pause:<id>}), which the instance running it hands back.
 * An execution whose outcome is recorded is left to report it.
 */
@Singleton
public final class PauseSignals implements PauseListener {
    private final ExecutionStore store;

    public PauseSignals(ExecutionStore store) {
        this.store = store;
    }

    @Override
    public void changed(Connection c, PauseChange change) throws SQLException {
        String channel = store.channel();
        if (change instanceof PauseChange.Resumed) {
            notify(c, channel, "new");
        } else if (change instanceof PauseChange.Paused p && p.stopRunning()) {
            for (long id : running(c, p.projectGid())) {
                notify(c, channel, QueueSignals.PAUSE + id);
            }
        }
    }

    private static List<Long> running(Connection c, String projectGid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT e.id FROM task_executions e
                 WHERE e.status = 'running' AND e.outcome IS NULL
                   AND (?::text IS NULL OR EXISTS (SELECT 1 FROM tasks t JOIN projects p ON p.id = t.project_id
                                                    WHERE t.id = e.task_id AND p.asana_gid = ?))""")) {
            ps.setString(1, projectGid);
            ps.setString(2, projectGid);
            List<Long> ids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            return ids;
        }
    }

    private static void notify(Connection c, String channel, String payload) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, channel);
            ps.setString(2, payload);
            ps.execute();
        }
    }
}
