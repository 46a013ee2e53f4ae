package aegis.status;

import aegis.config.Settings;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

@Factory
class StatusBeans {
    @Singleton
    Instance instance() {
        return Instance.current();
    }

    @Singleton
    StatusSettings statusSettings(Settings settings) {
        return StatusSettings.from(settings);
    }
}
