package aegis.testing;

import aegis.config.AegisConfig;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** The fallback for machines with a Docker engine: one PostgreSQL container per test run. */
final class ContainerDatabase {
    private ContainerDatabase() {
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    static AegisConfig.Database start() {
        PostgreSQLContainer pg = new PostgreSQLContainer("postgres:15-alpine");
        pg.start();
        return new AegisConfig.Database(pg.getJdbcUrl(), pg.getUsername(), pg.getPassword());
    }
}
