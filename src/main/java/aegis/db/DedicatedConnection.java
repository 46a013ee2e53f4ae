package aegis.db;

import aegis.config.AegisConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * One connection of its own, outside the application's pool, for work that must not wait for
 * a pooled connection (lease renewal while every pooled one is busy). Opened when first
 * needed, and opened again after a failure; used by one caller at a time.
 */
public final class DedicatedConnection implements AutoCloseable {
    private final AegisConfig.Database database;
    private Connection connection;

    public DedicatedConnection(AegisConfig.Database database) {
        this.database = database;
    }

    /** Work on the connection, in autocommit; a failure closes it, so the next call reconnects. */
    public synchronized <T> T with(Jdbc.SqlWork<T> work) {
        try {
            if (connection == null || connection.isClosed()) {
                connection = DriverManager.getConnection(database.url(), database.user(), database.password());
            }
            return work.apply(connection);
        } catch (SQLException e) {
            close();
            throw new Jdbc.DataAccessException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing a broken connection: nothing left to do
            }
            connection = null;
        }
    }
}
