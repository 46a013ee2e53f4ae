package aegis.jobs;

import jakarta.inject.Singleton;
import java.time.Duration;

/** Retention as a periodic task ({@code AEGIS_SCHEDULE_RETENTION}, hourly by default). */
@Singleton
public final class RetentionTask implements PeriodicTask {
    private final Archiver archiver;

    public RetentionTask(Archiver archiver) {
        this.archiver = archiver;
    }

    @Override
    public String name() {
        return "retention";
    }

    @Override
    public Duration defaultPeriod() {
        return Duration.ofHours(1);
    }

    @Override
    public void run() {
        archiver.run();
    }

    @Override
    public void stop() {
        archiver.stop();
    }
}
