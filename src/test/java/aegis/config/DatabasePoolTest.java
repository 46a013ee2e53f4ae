package aegis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.db.Jdbc;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pool's size and statement timeout come from the settings and hold on real PostgreSQL. */
class DatabasePoolTest {
    private static TestDatabase.Schema schema;

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("dbpool");
    }

    @AfterAll
    static void tearDown() {
        schema.drop();
    }

    @Test
    void defaults() {
        assertThat(DatabasePool.read(Settings.of(Map.of()))).isEqualTo(new DatabasePool(20, Duration.ofSeconds(30)));
        assertThatThrownBy(() -> DatabasePool.read(Settings.of(Map.of(DatabasePool.STATEMENT_TIMEOUT, "30"))))
                .hasMessageStartingWith("AEGIS_DATABASE_STATEMENT_TIMEOUT:");
    }

    @Test
    void aStatementOverTheTimeoutIsCancelledAndThePoolHasTheConfiguredSize() throws SQLException {
        Settings settings = Settings.of(Map.of(DatabasePool.SIZE, "7", DatabasePool.STATEMENT_TIMEOUT, "1s"));
        try (TestApp app = TestApp.start(TestApp.config(schema.database(), URI.create("http://127.0.0.1:1")), settings,
                Map.of("aegis.jobs.enabled", "false", "aegis.sync.enabled", "false",
                        "aegis.webhooks.enabled", "false", "aegis.dispatch.enabled", "false"))) {
            DataSource ds = app.context().getBean(DataSource.class);
            assertThat(ds.isWrapperFor(HikariDataSource.class)).isTrue();
            assertThat(unwrap(ds).getMaximumPoolSize()).isEqualTo(7);
            Jdbc jdbc = app.context().getBean(Jdbc.class);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> jdbc.withConnection(c -> {
                try (Statement st = c.createStatement()) {
                    return st.execute("SELECT pg_sleep(5)");
                }
            })).isInstanceOf(Jdbc.DataAccessException.class)
                    .satisfies(e -> assertThat(((SQLException) e.getCause()).getSQLState())
                            .as("query_canceled by statement_timeout").isEqualTo("57014"));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
        }
    }

    private static HikariDataSource unwrap(DataSource ds) {
        try {
            return ds.unwrap(HikariDataSource.class);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}
