package aegis.jobs;

import aegis.db.Jdbc;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Duration;

/** A periodic task for the shutdown test: records that it started, then runs a minute, ignoring stop(). */
@Singleton
@Requires(property = "aegis.test.stubborn-task", value = "true")
public final class StubbornTask implements PeriodicTask {
    private final Jdbc jdbc;

    public StubbornTask(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public String name() {
        return "test-stubborn";
    }

    @Override
    public Duration defaultPeriod() {
        return Duration.ofSeconds(1);
    }

    @Override
    public void run() throws InterruptedException {
        jdbc.withConnection(c -> {
            try (var ps = c.prepareStatement("INSERT INTO job_runs (node) VALUES ('stubborn')")) {
                return ps.executeUpdate();
            }
        });
        Thread.sleep(60_000);
    }
}
