package aegis.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.asana.AsanaClient;
import aegis.asana.AsanaException;
import aegis.asana.AsanaModel;
import aegis.asana.WebhookSignature;
import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimFaults;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import aegis.webhook.SecretBox;
import aegis.webhook.SubscriptionRepository;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * /metrics counts real activity under the names of {@link Metrics}: deliveries through the
 * receiver over HTTP, and Asana calls through the daemon's client against the simulator.
 */
class MetricsActivityTest {
    private static final String SECRET = "metrics-hook-secret-0042";
    private static final String ONE_EVENT = "{\"events\":[{\"action\":\"changed\",\"resource\":{\"gid\":\"77\","
            + "\"resource_type\":\"task\"},\"user\":{\"gid\":\"5\",\"resource_type\":\"user\"},"
            + "\"created_at\":\"2025-01-01T00:00:00.000Z\"}]}";

    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static TestApp app;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() {
        schema = TestDatabase.freshSchema("metrics_activity");
        sim = AsanaSimulator.start();
        AsanaSimulator.SimWorld w = sim.world();
        AegisConfig config = new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(), w.token(),
                w.workspace(), Optional.of(w.portfolio()), List.of(), 1500), Optional.empty(), 0);
        Settings settings = Settings.of(Map.of(SecretBox.SETTING, Base64.getEncoder().encodeToString(new byte[32])));
        app = TestApp.start(config, settings, Map.of("aegis.sync.enabled", false, "aegis.webhooks.enabled", false,
                "aegis.jobs.enabled", false, "aegis.dispatch.enabled", false));
    }

    @AfterAll
    static void stop() {
        app.close();
        sim.close();
        schema.drop();
    }

    @Test
    void webhookDeliveriesAreCountedByResultAndReason() throws Exception {
        UUID subscription = UUID.randomUUID();
        app.context().getBean(SubscriptionRepository.class)
                .createPending(subscription, "2", null, "http://x/webhooks/asana/" + subscription);
        assertThat(post(subscription, new byte[0], Map.of("X-Hook-Secret", SECRET)).statusCode()).isEqualTo(200);
        assertThat(app.context().getBean(SubscriptionRepository.class).activate(subscription, "w")).isTrue();
        String before = metrics();

        byte[] body = ONE_EVENT.getBytes(StandardCharsets.UTF_8);
        assertThat(post(subscription, body, Map.of("X-Hook-Signature", WebhookSignature.sign(SECRET, body)))
                .statusCode()).isEqualTo(200);
        byte[] beat = "{\"events\":[]}".getBytes(StandardCharsets.UTF_8);
        assertThat(post(subscription, beat, Map.of("X-Hook-Signature", WebhookSignature.sign(SECRET, beat)))
                .statusCode()).isEqualTo(200);
        assertThat(post(subscription, body, Map.of("X-Hook-Signature", "00")).statusCode()).isEqualTo(401);
        assertThat(post(UUID.randomUUID(), body, Map.of()).statusCode()).isEqualTo(404);

        String after = metrics();
        assertMoved(before, after, "aegis_webhook_deliveries_total{reason=\"events\",result=\"received\"}", 1);
        assertMoved(before, after, "aegis_webhook_deliveries_total{reason=\"heartbeat\",result=\"received\"}", 1);
        assertMoved(before, after, "aegis_webhook_deliveries_total{reason=\"signature\",result=\"rejected\"}", 1);
        assertMoved(before, after,
                "aegis_webhook_deliveries_total{reason=\"unknown_subscription\",result=\"rejected\"}", 1);
        assertThat(after).as("the receiver's old names are gone").doesNotContain("aegis_webhooks_deliveries");
    }

    @Test
    void asanaCallsAreCountedByMethodAndOutcomeWithTheirWaits() throws Exception {
        AsanaClient client = app.context().getBean(AsanaClient.class);
        String before = metrics();

        assertThat(client.me().gid()).isEqualTo(sim.world().botUser());
        assertThatThrownBy(() -> client.task("424242424242")).isInstanceOf(AsanaException.NotFound.class);
        // Every request answers 429 (Retry-After 1 s) until the first one has been seen; then
        // the client's retry, held by the gate for that second, succeeds.
        sim.faults(new SimFaults(1, 0, 0, 0, 0, 1));
        CompletableFuture<AsanaModel.User> call;
        try {
            call = CompletableFuture.supplyAsync(client::me);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sim.requests().entries().stream().noneMatch(e -> e.status() == 429)) {
                assertThat(System.nanoTime()).as("a 429 within 30 s").isLessThan(deadline);
                Thread.sleep(20);
            }
        } finally {
            sim.faults(SimFaults.NONE);
        }
        assertThat(call.get(30, TimeUnit.SECONDS)).isNotNull();

        String after = metrics();
        assertMoved(before, after, "aegis_asana_requests_total{method=\"GET\",outcome=\"ok\"}", 2);
        assertMoved(before, after, "aegis_asana_requests_total{method=\"GET\",outcome=\"client_error\"}", 1);
        assertThat(value(after, "aegis_asana_requests_total{method=\"GET\",outcome=\"rate_limited\"}")
                - value(before, "aegis_asana_requests_total{method=\"GET\",outcome=\"rate_limited\"}"))
                .isGreaterThanOrEqualTo(1);
        assertThat(value(after, "aegis_asana_rate_limit_wait_seconds_count")
                - value(before, "aegis_asana_rate_limit_wait_seconds_count")).as("one wait per attempt")
                .isGreaterThanOrEqualTo(4);
        assertThat(value(after, "aegis_asana_rate_limit_wait_seconds_sum")
                - value(before, "aegis_asana_rate_limit_wait_seconds_sum")).as("the Retry-After second")
                .isGreaterThanOrEqualTo(0.5);
    }

    private static void assertMoved(String before, String after, String series, double by) {
        assertThat(value(after, series) - value(before, series)).as(series).isEqualTo(by);
    }

    /** A sample's value in Prometheus text; 0 when the series is absent. */
    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private String metrics() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(app.adminUri("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private HttpResponse<String> post(UUID id, byte[] body, Map<String, String> headers) throws Exception {
        return app.postWebhook(id, body, headers);
    }
}
