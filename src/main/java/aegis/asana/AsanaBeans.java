package aegis.asana;

import aegis.config.AegisConfig;
import aegis.metrics.Metrics;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** The one Asana client of a daemon, and the shared limits behind it. */
@Factory
class AsanaBeans {
    @Singleton
    AsanaClientSettings asanaClientSettings(AegisConfig config) {
        return AsanaClientSettings.from(config.asana());
    }

    @Singleton
    AsanaResilience asanaResilience(AsanaClientSettings settings) {
        return AsanaResilience.of(settings);
    }

    @Singleton
    @Bean(preDestroy = "close")
    HttpAsanaClient asanaClient(AsanaClientSettings settings, AsanaResilience resilience, Metrics metrics) {
        return new HttpAsanaClient(settings, resilience, metrics);
    }
}
