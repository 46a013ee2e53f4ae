package aegis.governance;

import aegis.db.Jdbc;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Pauses and resumes claiming: the whole orchestrator ({@code system_state}: status
 * {@code paused}, reason, who, when) or one project ({@code project_pauses}). Each change, its
 * audit record and what the {@link PauseListener}s send commit together. Claims read the state
 * through {@link PauseGate}; webhooks, sync and the queue go on meanwhile, so nothing is lost.
 */
@Singleton
public final class PauseControl {
    private static final Pattern GID = Pattern.compile("\\d{1,40}");

    private final Jdbc jdbc;
    private final AuditTrail audit;
    private final List<PauseListener> listeners;

    public PauseControl(Jdbc jdbc, AuditTrail audit, List<PauseListener> listeners) {
        this.jdbc = jdbc;
        this.audit = audit;
        this.listeners = List.copyOf(listeners);
    }

    /**
     * Pauses everything ({@code projectGid} empty) or one project; a pause already in place takes
     * the new reason. With {@code stopRunning} the runs under way are stopped as well, to run
     * again after the resume as an attempt not counted.
     */
    public void pause(Actor by, Optional<String> projectGid, String reason, boolean stopRunning) {
        projectGid.ifPresent(PauseControl::checkGid);
        String why = reason == null || reason.isBlank() ? null : reason.strip();
        jdbc.inTransaction(c -> {
            if (projectGid.isPresent()) {
                try (PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO project_pauses (project_gid, reason, paused_by) VALUES (?, ?, ?)
                        ON CONFLICT (project_gid) DO UPDATE
                          SET reason = EXCLUDED.reason, paused_by = EXCLUDED.paused_by, paused_at = now()""")) {
                    ps.setString(1, projectGid.get());
                    ps.setString(2, why);
                    ps.setString(3, by.name());
                    ps.executeUpdate();
                }
            } else {
                try (PreparedStatement ps = c.prepareStatement("""
                        UPDATE system_state
                           SET orchestrator_status = 'paused', paused_reason = ?, paused_by = ?, paused_at = now()
                         WHERE id = 1""")) {
                    ps.setString(1, why);
                    ps.setString(2, by.name());
                    ps.executeUpdate();
                }
            }
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("reason", why);
            detail.put("now", stopRunning);
            audit.operatorAction(c, by, "pause", projectGid.orElse("all"), detail, "ok");
            tell(c, new PauseChange.Paused(projectGid.orElse(null), stopRunning));
            return null;
        });
    }

    /** Lifts the pause of everything or of one project; false when that was not paused. */
    public boolean resume(Actor by, Optional<String> projectGid) {
        projectGid.ifPresent(PauseControl::checkGid);
        return jdbc.inTransaction(c -> {
            int n;
            if (projectGid.isPresent()) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM project_pauses WHERE project_gid = ?")) {
                    ps.setString(1, projectGid.get());
                    n = ps.executeUpdate();
                }
            } else {
                // Running again if a node is up (its agents rows say so), else stopped until one starts.
                try (PreparedStatement ps = c.prepareStatement("""
                        UPDATE system_state
                           SET orchestrator_status = CASE WHEN EXISTS (SELECT 1 FROM agents WHERE status IN ('idle', 'busy'))
                                                          THEN 'running' ELSE 'stopped' END,
                               paused_reason = NULL, paused_by = NULL, paused_at = NULL
                         WHERE id = 1 AND orchestrator_status = 'paused'""")) {
                    n = ps.executeUpdate();
                }
            }
            audit.operatorAction(c, by, "resume", projectGid.orElse("all"), Map.of(),
                    n == 1 ? "ok" : "not paused");
            if (n == 1) {
                tell(c, new PauseChange.Resumed(projectGid.orElse(null)));
            }
            return n == 1;
        });
    }

    public PauseState state() {
        return jdbc.withConnection(PauseControl::read);
    }

    /** The pause as {@code c} sees it (a reader that holds its own connection: /status). */
    public static PauseState read(Connection c) throws SQLException {
        PauseState.Pause global = null;
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT paused_reason, paused_by, paused_at FROM system_state
                 WHERE id = 1 AND orchestrator_status = 'paused'""");
             ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
                global = new PauseState.Pause(null, rs.getString(1), rs.getString(2), iso(rs.getTimestamp(3)));
            }
        }
        List<PauseState.Pause> projects = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT project_gid, reason, paused_by, paused_at FROM project_pauses ORDER BY paused_at, project_gid");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                projects.add(new PauseState.Pause(rs.getString(1), rs.getString(2), rs.getString(3),
                        iso(rs.getTimestamp(4))));
            }
        }
        return new PauseState(global, projects);
    }

    private void tell(Connection c, PauseChange change) throws SQLException {
        for (PauseListener l : listeners) {
            l.changed(c, change);
        }
    }

    private static void checkGid(String gid) {
        if (gid == null || !GID.matcher(gid).matches()) {
            throw new IllegalArgumentException("'" + gid + "' is not a project gid (Asana gids are digits)");
        }
    }

    private static String iso(Timestamp t) {
        return t == null ? null : t.toInstant().toString();
    }
}
