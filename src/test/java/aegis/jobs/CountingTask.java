package aegis.jobs;

import aegis.db.Jdbc;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Duration;

/** A periodic task for the cluster tests: each run is a row in job_runs, tagged with its node. */
@Singleton
@Requires(property = "aegis.test.counting-task", value = "true")
public final class CountingTask implements PeriodicTask {
    private final Jdbc jdbc;
    private final String node;

    public CountingTask(Jdbc jdbc, @Value("${aegis.test.node}") String node) {
        this.jdbc = jdbc;
        this.node = node;
    }

    @Override
    public String name() {
        return "test-counter";
    }

    @Override
    public Duration defaultPeriod() {
        return Duration.ofSeconds(1);
    }

    @Override
    public void run() {
        jdbc.withConnection(c -> {
            try (var ps = c.prepareStatement("INSERT INTO job_runs (node) VALUES (?)")) {
                ps.setString(1, node);
                return ps.executeUpdate();
            }
        });
    }
}
