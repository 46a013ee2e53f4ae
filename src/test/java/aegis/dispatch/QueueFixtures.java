package aegis.dispatch;

import aegis.db.Jdbc;
import aegis.testing.TestDatabase;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Rows a queue test needs, written straight to the test's schema (sync's tables, as sync would). */
public final class QueueFixtures {
    private QueueFixtures() {
    }

    public static HikariDataSource pool(TestDatabase.Schema schema, int size) {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(schema.database().url());
        cfg.setUsername(schema.database().user());
        cfg.setPassword(schema.database().password());
        cfg.setMaximumPoolSize(size);
        return new HikariDataSource(cfg);
    }

    public static Jdbc jdbc(HikariDataSource ds) {
        return new Jdbc(ds);
    }

    public static long project(Connection c, String gid) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO projects (asana_gid, name) VALUES (?, ?) RETURNING id")) {
            ps.setString(1, gid);
            ps.setString(2, "Project " + gid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** {@code n} open tasks assigned to {@code assignee}, gids {@code prefix + i}. */
    public static List<Long> tasks(Connection c, long projectId, String prefix, int n, String assignee)
            throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO tasks (asana_gid, project_id, name, assignee_gid) VALUES (?, ?, ?, ?) RETURNING id")) {
            for (int i = 0; i < n; i++) {
                ps.setString(1, prefix + i);
                ps.setLong(2, projectId);
                ps.setString(3, "Task " + prefix + i);
                ps.setString(4, assignee);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    ids.add(rs.getLong(1));
                }
            }
        }
        return ids;
    }

    public static NewExecution pending(long taskId, int priority, String agentType) {
        return new NewExecution(taskId, "initial", agentType, priority, 3, null, null, "{}");
    }

    public static String status(Connection c, long executionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT status FROM task_executions WHERE id = ?")) {
            ps.setLong(1, executionId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
