package aegis.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Flyway's history table, read in one query: does it record exactly the shipped migrations, each
 * applied successfully? Then a migrate would apply nothing and a validation would pass, and
 * Flyway need not run. Anything else (a migration missing, extra, changed, failed, a baseline)
 * is left to Flyway, which migrates, or fails, as it always has.
 */
final class SchemaHistory {
    /** The rows Flyway writes when it creates a schema itself: a marker, not a migration. */
    private static final String SCHEMA_MARKER = "SCHEMA";

    private SchemaHistory() {
    }

    record Row(String version, String description, String type, String script, Integer checksum, boolean success) {
    }

    /** The history of {@code schema} (null: the connection's current schema), oldest first. */
    static List<Row> read(Connection c, String schema) throws SQLException {
        // The current schema's own table, as Flyway reads it: not the first one on the search path.
        String table = schema == null ? null : '"' + schema.replace("\"", "\"\"") + "\".flyway_schema_history";
        if (table == null) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_schema()")) {
                rs.next();
                String current = rs.getString(1);
                if (current == null) {
                    throw new SQLException("no current schema: the search path names none that exists");
                }
                table = '"' + current.replace("\"", "\"\"") + "\".flyway_schema_history";
            }
        }
        List<Row> rows = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT version, description, type, script, checksum, success FROM "
                     + table + " ORDER BY installed_rank")) {
            while (rs.next()) {
                int checksum = rs.getInt(5);
                rows.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.wasNull() ? null : checksum, rs.getBoolean(6)));
            }
        }
        return rows;
    }

    /** True when {@code rows} are exactly {@code manifest}'s migrations, in order, all successful. */
    static boolean matches(List<Row> rows, MigrationManifest manifest) {
        List<Row> applied = rows.stream().filter(r -> !SCHEMA_MARKER.equals(r.type()) || !r.success()).toList();
        List<MigrationManifest.Migration> shipped = manifest.migrations();
        if (shipped.isEmpty() || applied.size() != shipped.size()) {
            return false;
        }
        for (int i = 0; i < shipped.size(); i++) {
            Row r = applied.get(i);
            MigrationManifest.Migration m = shipped.get(i);
            if (!r.success() || !"SQL".equals(r.type()) || !m.version().equals(r.version())
                    || !m.description().equals(r.description()) || !m.script().equals(r.script())
                    || !Objects.equals(m.checksum(), r.checksum())) {
                return false;
            }
        }
        return true;
    }
}
