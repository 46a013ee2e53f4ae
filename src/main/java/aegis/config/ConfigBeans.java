package aegis.config;

import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** Beans derived from the settings. */
@Factory
class ConfigBeans {
    @Singleton
    ProjectSettings.All projectSettings(Settings settings) {
        return ProjectSettings.read(settings);
    }

    @Singleton
    BotSettings.All botSettings(Settings settings, AegisConfig config) {
        return BotSettings.read(settings, config.asana().accessToken());
    }

    @Singleton
    ApprovalSettings approvalSettings(Settings settings, ProjectSettings.All projects) {
        // After the project settings: their check of the projects section's shape comes first.
        return ApprovalSettings.read(settings);
    }
}
