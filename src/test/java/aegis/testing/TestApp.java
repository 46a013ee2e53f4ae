package aegis.testing;

import aegis.config.AdminListener;
import aegis.config.AegisConfig;
import aegis.config.ContextFactory;
import aegis.config.Settings;
import io.micronaut.context.ApplicationContext;
import io.micronaut.http.server.netty.NettyEmbeddedServer;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A daemon context with its HTTP server on a test's own schema: the public listener on a free
 * port, the admin listener on another ({@code AEGIS_ADMIN_PORT} unless the settings name one).
 */
public record TestApp(ApplicationContext context, EmbeddedServer server, int publicPort, int adminPort)
        implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

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
        if (settings.string(AdminListener.PORT).isEmpty()) {
            // never the default 8081: tests of several trees run side by side on one machine
            settings = settings.with(AdminListener.PORT, Eventually.freePort());
        }
        int admin = Integer.parseInt(settings.string(AdminListener.PORT).orElseThrow());
        ApplicationContext ctx = ContextFactory.start(config, settings, props);
        EmbeddedServer server = ctx.getBean(EmbeddedServer.class).start();
        int public_ = ((NettyEmbeddedServer) server).getBoundPorts().stream().filter(p -> p != admin)
                .findFirst().orElseThrow();
        return new TestApp(ctx, server, public_, admin);
    }

    /** {@code path} on the public listener (webhooks, /health). */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + publicPort + path);
    }

    /** {@code path} on the admin listener (/status, /, /metrics). */
    public URI adminUri(String path) {
        return URI.create("http://127.0.0.1:" + adminPort + path);
    }

    /** Posts {@code body} to subscription {@code id}'s webhook endpoint, as Asana would, with {@code headers}. */
    public HttpResponse<String> postWebhook(UUID id, byte[] body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri("/webhooks/asana/" + id))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        context.close();
    }
}
