package aegis.testing;

import aegis.config.AegisConfig;
import aegis.db.Migrator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.flywaydb.core.Flyway;

/**
 * Real PostgreSQL for tests. The server comes from {@code AEGIS_TEST_DATABASE_URL}
 * (with {@code AEGIS_TEST_DATABASE_USER} / {@code _PASSWORD}; {@code bin/test} sets them),
 * or from Testcontainers where a Docker engine answers. With neither, tests fail with a
 * message saying how to provide one. Each test class gets a schema of its own.
 */
public final class TestDatabase {
    private static AegisConfig.Database server;

    private TestDatabase() {
    }

    public static synchronized AegisConfig.Database server() {
        if (server == null) {
            server = locate();
        }
        return server;
    }

    private static AegisConfig.Database locate() {
        String url = System.getenv("AEGIS_TEST_DATABASE_URL");
        if (url != null && !url.isBlank()) {
            return new AegisConfig.Database(url, System.getenv("AEGIS_TEST_DATABASE_USER"),
                    System.getenv("AEGIS_TEST_DATABASE_PASSWORD"));
        }
        if (ContainerDatabase.dockerAvailable()) {
            return ContainerDatabase.start();
        }
        throw new IllegalStateException("""
                No PostgreSQL for the tests. Run them with bin/test, which provisions a local \
                server and sets AEGIS_TEST_DATABASE_URL; or set AEGIS_TEST_DATABASE_URL \
                (and AEGIS_TEST_DATABASE_USER, AEGIS_TEST_DATABASE_PASSWORD) to a database the \
                tests may create schemas in; or start a Docker engine for Testcontainers.""");
    }

    /** A fresh schema with every migration applied. */
    public static Schema freshSchema(String label) {
        Schema s = emptySchema(label);
        Migrator.migrate(s.server(), s.name());
        return s;
    }

    /**
     * A fresh schema migrated only up to {@code version}, for a test of what a later migration
     * does to rows stored before it; {@link Migrator#migrate} on its server and name finishes it.
     */
    public static Schema schemaAt(String label, String version) {
        Schema s = emptySchema(label);
        AegisConfig.Database base = s.server();
        Flyway.configure().dataSource(base.url(), base.user(), base.password())
                .locations("classpath:db/migration").schemas(s.name()).defaultSchema(s.name())
                .createSchemas(true).target(version).load().migrate();
        return s;
    }

    private static Schema emptySchema(String label) {
        String name = ("t_" + label.replaceAll("[^A-Za-z0-9]", "").toLowerCase(Locale.ROOT)
                + "_" + UUID.randomUUID().toString().substring(0, 8));
        if (name.length() > 60) {
            name = name.substring(0, 51) + name.substring(name.length() - 9);
        }
        AegisConfig.Database base = server();
        return new Schema(name, new AegisConfig.Database(withSchema(base.url(), name),
                base.user(), base.password()), base);
    }

    static String withSchema(String url, String schema) {
        return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    /** A test's own schema; {@link #drop()} removes it. */
    public record Schema(String name, AegisConfig.Database database, AegisConfig.Database server)
            implements AutoCloseable {
        public Connection connect() throws SQLException {
            return DriverManager.getConnection(database.url(), database.user(), database.password());
        }

        /** Runs {@code sql} (several statements allowed) on a connection of its own. */
        public void execute(String sql) throws SQLException {
            try (Connection c = connect(); Statement st = c.createStatement()) {
                st.execute(sql);
            }
        }

        /** The first column of every row {@code sql} answers, as text. */
        public List<String> strings(String sql) throws SQLException {
            List<String> out = new ArrayList<>();
            try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }

        public void drop() {
            try (Connection c = DriverManager.getConnection(server.url(), server.user(), server.password());
                 Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
            } catch (SQLException e) {
                throw new IllegalStateException("could not drop test schema " + name, e);
            }
        }

        @Override
        public void close() {
            drop();
        }
    }
}
