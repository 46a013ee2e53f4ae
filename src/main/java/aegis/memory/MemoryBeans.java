package aegis.memory;

import aegis.config.Settings;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** Memory's settings from the environment and YAML. */
@Factory
class MemoryBeans {
    @Singleton
    MemorySettings memorySettings(Settings settings) {
        return MemorySettings.from(settings);
    }
}
