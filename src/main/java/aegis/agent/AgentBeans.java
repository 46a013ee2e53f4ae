package aegis.agent;

import aegis.config.Settings;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** The agents' configuration, read once from the settings. */
@Factory
class AgentBeans {
    @Singleton
    AgentsConfig agentsConfig(Settings settings) {
        return AgentsConfig.read(settings);
    }

    @Singleton
    Directives directives(Settings settings) {
        return Directives.read(settings);
    }
}
