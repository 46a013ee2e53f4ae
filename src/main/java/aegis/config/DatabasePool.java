package aegis.config;

import java.time.Duration;

/**
 * The daemon's connection pool: {@code AEGIS_DATABASE_POOL_SIZE} (20) connections, shared by the
 * HTTP endpoints, the workers and the scheduled tasks, and {@code AEGIS_DATABASE_STATEMENT_TIMEOUT}
 * (30s) for any one statement on them, so a stuck query gives its connection back instead of
 * holding it for ever.
 */
public record DatabasePool(int size, Duration statementTimeout) {
    public static final String SIZE = "AEGIS_DATABASE_POOL_SIZE";
    public static final String STATEMENT_TIMEOUT = "AEGIS_DATABASE_STATEMENT_TIMEOUT";

    public static DatabasePool read(Settings s) {
        return new DatabasePool(s.integer(SIZE, 20, 2, 1000),
                s.duration(STATEMENT_TIMEOUT, Duration.ofSeconds(30), Duration.ofSeconds(1)));
    }

    /**
     * Run on each pooled connection as Hikari opens it. Only the pool's connections get it:
     * Flyway's migrations and the LISTEN connection of the queue open their own, and a long
     * migration must not be cut short.
     */
    public String initSql() {
        return "SET statement_timeout = " + statementTimeout.toMillis();
    }
}
