package aegis.jobs;

import aegis.config.Settings;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

@Factory
class JobsBeans {
    @Singleton
    RetentionPolicy retentionPolicy(Settings settings) {
        return RetentionPolicy.from(settings);
    }
}
