package aegis.asana;

import aegis.config.AegisConfig;
import aegis.metrics.Metrics;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.util.List;

/** The one Asana client of a daemon, and the shared limits behind it. */
@Factory
class AsanaBeans {
    @Singleton
    AsanaClientSettings asanaClientSettings(AegisConfig config) {
        return AsanaClientSettings.from(config.asana());
    }

    @Singleton
    TransportLimits asanaLimits(AsanaClientSettings settings) {
        return TransportLimits.of(settings);
    }

    @Singleton
    @Bean(preDestroy = "close")
    HttpAsanaClient asanaClient(AsanaClientSettings settings, TransportLimits limits, HttpTransports transports,
                                Metrics metrics, ObjectMapper json, List<WriteListener> writeListeners) {
        // The listeners (the audit trail) live in packages above this one: wired here, not imported.
        return new HttpAsanaClient(settings,
                transports.transport(settings.baseUrl(), settings.transportPolicy(), limits), metrics, json,
                writeListeners);
    }
}
