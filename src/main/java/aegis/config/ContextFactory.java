package aegis.config;

import io.micronaut.context.ApplicationContext;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds the Micronaut context from a validated {@link AegisConfig}. Micronaut reads no
 * environment variables of its own: every setting passes through AegisConfig, so the
 * names in CONTRACT.md are the only ones that matter.
 */
public final class ContextFactory {
    /** The admin listener's port, for the controllers that serve only there: {@code @Controller(port = ...)}. */
    public static final String ADMIN_PORT_PROPERTY = "aegis.admin.port";
    private ContextFactory() {
    }

    public static Map<String, Object> properties(AegisConfig config, Settings settings) {
        AegisConfig.Database db = config.database();
        DatabasePool pool = DatabasePool.read(settings);
        AdminListener admin = AdminListener.read(settings, config.httpPort());
        Map<String, Object> p = new HashMap<>();
        p.put("datasources.default.url", db.url());
        if (db.user() != null) {
            p.put("datasources.default.username", db.user());
        }
        if (db.password() != null) {
            p.put("datasources.default.password", db.password());
        }
        p.put("datasources.default.driver-class-name", "org.postgresql.Driver");
        p.put("datasources.default.maximum-pool-size", pool.size());
        p.put("datasources.default.minimum-idle", 2);
        p.put("datasources.default.connection-init-sql", pool.initSql());
        p.put("datasources.default.connection-timeout", 3000);
        p.put("datasources.default.validation-timeout", 1000);
        // Two listeners: the public one (every interface) serves the routes without a port, the
        // webhook receiver and /health; the admin one serves only the routes tied to its port.
        p.put("micronaut.server.netty.listeners.public.port", config.httpPort());
        p.put("micronaut.server.netty.listeners.admin.port", admin.port());
        p.put("micronaut.server.netty.listeners.admin.host", admin.bind());
        p.put("micronaut.server.netty.listeners.admin.expose-default-routes", false);
        p.put(ADMIN_PORT_PROPERTY, admin.port());
        p.put("micronaut.server.max-request-size", 1024 * 1024 + 1);
        p.put("micronaut.application.name", "aegis");
        // The one JSON mapper writes what it is given, nulls included, as plain Jackson does: stored
        // JSON (custom fields, event data) must not lose keys because of an HTTP-oriented default.
        p.put("jackson.serialization-inclusion", "always");
        return p;
    }

    /**
     * Starts the context. {@code settings} (the raw settings) and {@code config} are beans,
     * so each package reads its own options from them.
     */
    public static ApplicationContext start(AegisConfig config, Settings settings, Map<String, Object> extra) {
        Map<String, Object> props = properties(config, settings);
        props.putAll(extra);
        return ApplicationContext.builder()
                .properties(props)
                .singletons(config, settings)
                .environmentPropertySource(false)
                .deduceEnvironment(false)
                .banner(false)
                .start();
    }
}
