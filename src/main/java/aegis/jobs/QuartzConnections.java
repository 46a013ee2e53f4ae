package aegis.jobs;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.quartz.utils.ConnectionProvider;

/**
 * Hands Quartz connections from the application's pool. Shutting Quartz down must not
 * close the pool, which the rest of the daemon still uses, so {@link #shutdown()} does nothing.
 */
final class QuartzConnections implements ConnectionProvider {
    private final DataSource dataSource;

    QuartzConnections(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return dataSource.getConnection();
    }

    @Override
    public void shutdown() {
        // the pool belongs to the application context
    }

    @Override
    public void initialize() {
        // nothing: the pool is already running
    }
}
