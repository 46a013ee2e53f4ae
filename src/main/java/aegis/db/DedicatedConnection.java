package aegis.db;

import aegis.config.AegisConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * One connection of its own, outside the application's pool, for work that must not wait for
 * a pooled connection (lease renewal while every pooled one is busy). Opened when first
 * needed, and opened again after a failure; used by one caller at a time.
 */
public final class DedicatedConnection implements AutoCloseable {
    private final AegisConfig.Database database;
    private final Duration socketTimeout;
    private Connection connection;

    /**
     * @param socketTimeout how long one statement may wait for the server before the connection
     *                      is given up as dead (a half-open TCP connection otherwise blocks for
     *                      as long as the kernel keeps it)
     */
    public DedicatedConnection(AegisConfig.Database database, Duration socketTimeout) {
        this.database = database;
        this.socketTimeout = socketTimeout;
    }

    /** Work on the connection, in autocommit; a failure closes it, so the next call reconnects. */
    public synchronized <T> T with(Jdbc.SqlWork<T> work) {
        try {
            if (connection == null || connection.isClosed()) {
                connection = open(database, socketTimeout);
            }
            return work.apply(connection);
        } catch (SQLException e) {
            close();
            throw new Jdbc.DataAccessException(e);
        }
    }

    /**
     * A connection outside any pool that gives up on a server not answering within
     * {@code socketTimeout} and keeps TCP alive: a half-open connection fails instead of hanging.
     */
    public static Connection open(AegisConfig.Database database, Duration socketTimeout) throws SQLException {
        Properties p = new Properties();
        if (database.user() != null) {
            p.setProperty("user", database.user());
        }
        if (database.password() != null) {
            p.setProperty("password", database.password());
        }
        long seconds = Math.max(1, socketTimeout.toSeconds());
        p.setProperty("socketTimeout", String.valueOf(seconds));
        p.setProperty("connectTimeout", String.valueOf(seconds));
        p.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(database.url(), p);
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
