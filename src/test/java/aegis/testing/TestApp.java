package aegis.testing;

import aegis.config.AegisConfig;
import aegis.config.ContextFactory;
import aegis.config.Settings;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A daemon context with its HTTP server on a free port, on a test's own schema. */
public record TestApp(ApplicationContext context, EmbeddedServer server) implements AutoCloseable {

    public static AegisConfig config(AegisConfig.Database db, URI asanaBaseUrl) {
        return new AegisConfig(db, new AegisConfig.Asana(asanaBaseUrl, "test-token", "1",
                Optional.empty(), List.of("2"), 1500), Optional.empty(), 0);
    }

    public static TestApp start(AegisConfig config, Map<String, Object> extra) {
        return start(config, Settings.of(Map.of()), extra);
    }

    /** {@code settings} carries options beyond AegisConfig (per-project settings, agents, schedules). */
    public static TestApp start(AegisConfig config, Settings settings, Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>(extra);
        ApplicationContext ctx = ContextFactory.start(config, settings, props);
        EmbeddedServer server = ctx.getBean(EmbeddedServer.class).start();
        return new TestApp(ctx, server);
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getPort() + path);
    }

    @Override
    public void close() {
        context.close();
    }
}
