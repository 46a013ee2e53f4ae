package aegis.cli;

import aegis.config.AegisConfig;
import aegis.config.ContextFactory;
import aegis.db.Migrator;
import aegis.config.Settings;
import io.micronaut.context.ApplicationContext;
import java.util.Map;

/**
 * The context of a one-shot command (sync, webhooks) that needs the daemon's beans but runs
 * none of its background work: the whole configuration, migrations applied, no HTTP server.
 */
final class CommandContext {
    private static final Map<String, Object> QUIET = Map.of("aegis.sync.enabled", false,
            "aegis.webhooks.enabled", false, "aegis.dispatch.enabled", false, "aegis.jobs.enabled", false);

    private CommandContext() {
    }

    static ApplicationContext start(Settings settings) {
        AegisConfig config = AegisConfig.load(settings);
        Migrator.ensureCurrent(config.database());
        return ContextFactory.start(config, settings, QUIET);
    }
}
