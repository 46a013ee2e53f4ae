package aegis.dispatch;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Writes what the sync engine would write for a simulator change (the tasks and comments
 * tables, keyed by gid): lets dispatch be tested end to end before and independently of sync.
 */
public final class Mirror {
    private Mirror() {
    }

    public static long project(Connection c, String gid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO projects (asana_gid, name) VALUES (?, ?)
                ON CONFLICT (asana_gid) DO UPDATE SET name = excluded.name RETURNING id""")) {
            ps.setString(1, gid);
            ps.setString(2, "Project " + gid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    public static long task(Connection c, long projectId, String gid, String name, String assignee) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO tasks (asana_gid, project_id, name, assignee_gid, asana_created_at) VALUES (?, ?, ?, ?, now())
                ON CONFLICT (asana_gid) DO UPDATE SET name = excluded.name, assignee_gid = excluded.assignee_gid
                RETURNING id""")) {
            ps.setString(1, gid);
            ps.setLong(2, projectId);
            ps.setString(3, name);
            ps.setString(4, assignee);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    public static void assignee(Connection c, long taskId, String assignee) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE tasks SET assignee_gid = ? WHERE id = ?")) {
            ps.setString(1, assignee);
            ps.setLong(2, taskId);
            ps.executeUpdate();
        }
    }

    public static void comment(Connection c, long taskId, String gid, String author, String text) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO comments (asana_gid, task_id, author_gid, text, asana_created_at) VALUES (?, ?, ?, ?, now())
                ON CONFLICT (asana_gid) DO NOTHING""")) {
            ps.setString(1, gid);
            ps.setLong(2, taskId);
            ps.setString(3, author);
            ps.setString(4, text);
            ps.executeUpdate();
        }
    }
}
