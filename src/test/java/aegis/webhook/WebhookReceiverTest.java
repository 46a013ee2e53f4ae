package aegis.webhook;

import aegis.asana.WebhookSignature;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The receiver over HTTP against real PostgreSQL: every answer of its contract. */
class WebhookReceiverTest {
    private static final String SECRET = "f00dfacecafe-hook-secret-0042";
    private static TestDatabase.Schema schema;
    private static TestApp app;
    private static final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private UUID subscription;

    @BeforeAll
    static void start() {
        schema = TestDatabase.freshSchema("receiver");
        AegisConfig base = TestApp.config(schema.database(), URI.create("http://127.0.0.1:1"));
        Settings settings = Settings.of(Map.of(SecretBox.SETTING, SecretBoxTest.KEY));
        app = TestApp.start(base, settings, Map.of("aegis.sync.enabled", false, "aegis.webhooks.enabled", false,
                "aegis.jobs.enabled", false, "aegis.dispatch.enabled", false));
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        app.close();
        schema.drop();
    }

    @BeforeEach
    void pendingSubscription() {
        subscription = UUID.randomUUID();
        app.context().getBean(SubscriptionRepository.class)
                .createPending(subscription, "2", null, "http://x/webhooks/asana/" + subscription);
    }

    private HttpResponse<String> post(UUID id, byte[] body, Map<String, String> headers) throws Exception {
        return app.postWebhook(id, body, headers);
    }

    /** The handshake, then what the registrar does once Asana's create call returns. */
    private void handshake() throws Exception {
        HttpResponse<String> r = post(subscription, new byte[0], Map.of("X-Hook-Secret", SECRET));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Hook-Secret")).contains(SECRET);
        assertThat(app.context().getBean(SubscriptionRepository.class).activate(subscription, "w-" + subscription))
                .isTrue();
    }

    private HttpResponse<String> signed(String json) throws Exception {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return post(subscription, body, Map.of("X-Hook-Signature", WebhookSignature.sign(SECRET, body)));
    }

    private long count(String sql) throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static final String ONE_EVENT = "{\"events\":[{\"action\":\"changed\",\"resource\":{\"gid\":\"77\","
            + "\"resource_type\":\"task\"},\"user\":{\"gid\":\"5\",\"resource_type\":\"user\"},"
            + "\"created_at\":\"2025-01-01T00:00:00.000Z\"}]}";

    @Test
    void handshakeForAnExpectedSubscriptionStoresTheSecretEncryptedOnly() throws Exception {
        handshake();
        try (Connection c = schema.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT secret_encrypted FROM webhook_subscriptions WHERE id = '"
                     + subscription + "'")) {
            rs.next();
            byte[] stored = rs.getBytes(1);
            assertThat(stored).isNotNull();
            String asText = new String(stored, StandardCharsets.ISO_8859_1);
            assertThat(asText).doesNotContain(SECRET);
            assertThat(new SecretBox(new byte[32]).open(stored, subscription.toString())).isEqualTo(SECRET);
        }
        // A dump of the whole schema does not reveal it either.
        assertThat(count("SELECT count(*) FROM webhook_subscriptions WHERE target LIKE '%" + SECRET
                + "%' OR coalesce(last_error, '') LIKE '%" + SECRET + "%'")).isZero();
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                .noneMatch(m -> m.contains(SECRET));
    }

    @Test
    void handshakeForAnUnknownOrAlreadyShakenSubscriptionIs404() throws Exception {
        assertThat(post(UUID.randomUUID(), new byte[0], Map.of("X-Hook-Secret", "x")).statusCode()).isEqualTo(404);
        handshake();
        HttpResponse<String> again = post(subscription, new byte[0], Map.of("X-Hook-Secret", "attacker"));
        assertThat(again.statusCode()).isEqualTo(404);
        assertThat(again.headers().firstValue("X-Hook-Secret")).isEmpty();
        // The original secret still verifies.
        assertThat(signed(ONE_EVENT).statusCode()).isEqualTo(200);
        HttpResponse<String> notAUuid = http.send(HttpRequest.newBuilder(app.uri("/webhooks/asana/nope"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(notAUuid.statusCode()).isEqualTo(404);
    }

    @Test
    void aSignedDeliveryIsStoredRawBeforeThe200() throws Exception {
        handshake();
        HttpResponse<String> r = signed(ONE_EVENT);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(count("SELECT count(*) FROM webhooks WHERE subscription_id = '" + subscription
                + "' AND status = 'pending' AND event_count = 1 AND payload->'events'->0->'resource'->>'gid' = '77'"))
                .isEqualTo(1);
    }

    @Test
    void heartbeatsUpdateHealthAndAreKeptProcessed() throws Exception {
        handshake();
        assertThat(signed("{\"events\":[]}").statusCode()).isEqualTo(200);
        assertThat(count("SELECT count(*) FROM webhook_subscriptions WHERE id = '" + subscription
                + "' AND last_heartbeat_at IS NOT NULL")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM webhooks WHERE subscription_id = '" + subscription
                + "' AND status = 'processed' AND event_count = 0")).isEqualTo(1);
    }

    @Test
    void unsignedOrWronglySignedIs401AndNothingIsStored() throws Exception {
        handshake();
        byte[] body = ONE_EVENT.getBytes(StandardCharsets.UTF_8);
        assertThat(post(subscription, body, Map.of()).statusCode()).isEqualTo(401);
        assertThat(post(subscription, body, Map.of("X-Hook-Signature", WebhookSignature.sign("wrong", body)))
                .statusCode()).isEqualTo(401);
        byte[] tampered = ONE_EVENT.replace("77", "78").getBytes(StandardCharsets.UTF_8);
        assertThat(post(subscription, tampered, Map.of("X-Hook-Signature", WebhookSignature.sign(SECRET, body)))
                .statusCode()).isEqualTo(401);
        assertThat(count("SELECT count(*) FROM webhooks WHERE subscription_id = '" + subscription + "'")).isZero();
    }

    @Test
    void aSubscriptionWithoutHandshakeRejectsDeliveries() throws Exception {
        byte[] body = ONE_EVENT.getBytes(StandardCharsets.UTF_8);
        assertThat(post(subscription, body, Map.of("X-Hook-Signature", WebhookSignature.sign("guess", body)))
                .statusCode()).as("pending: not active").isEqualTo(503);
        assertThat(post(UUID.randomUUID(), body, Map.of("X-Hook-Signature", WebhookSignature.sign("g", body)))
                .statusCode()).isEqualTo(404);
    }

    @Test
    void aHandshakeIsTakenOnlyWhileTheRegistrationIsInFlight() throws Exception {
        // a registration that crashed a minute ago: nobody closed the window, it has run out
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            st.execute("UPDATE webhook_subscriptions SET handshake_until = now() - interval '1 second' WHERE id = '"
                    + subscription + "'");
        }
        HttpResponse<String> r = post(subscription, new byte[0], Map.of("X-Hook-Secret", "someone-else"));
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.headers().firstValue("X-Hook-Secret")).isEmpty();
        assertThat(count("SELECT count(*) FROM webhook_subscriptions WHERE id = '" + subscription
                + "' AND secret_encrypted IS NULL")).as("no secret taken").isEqualTo(1);
        UUID returned = UUID.randomUUID();
        app.context().getBean(SubscriptionRepository.class).createPending(returned, "2", null, "http://x/" + returned);
        app.context().getBean(SubscriptionRepository.class).closeHandshake(returned); // its create call returned
        assertThat(post(returned, new byte[0], Map.of("X-Hook-Secret", "late")).statusCode()).isEqualTo(404);
    }

    @Test
    void deliveriesAreAcceptedForActiveSubscriptionsOnly() throws Exception {
        // handshaken, but not (yet) activated: pending with a secret
        assertThat(post(subscription, new byte[0], Map.of("X-Hook-Secret", SECRET)).statusCode()).isEqualTo(200);
        assertThat(signed(ONE_EVENT).statusCode()).as("pending: not yet, Asana retries").isEqualTo(503);
        app.context().getBean(SubscriptionRepository.class).fail(subscription, "registration failed");
        assertThat(signed(ONE_EVENT).statusCode()).as("failed: Asana should drop it").isEqualTo(410);
        assertThat(count("SELECT count(*) FROM webhooks WHERE subscription_id = '" + subscription + "'")).isZero();
    }

    @Test
    void aSubscriptionIsActivatedOnlyWithAStoredSecret() throws Exception {
        SubscriptionRepository repository = app.context().getBean(SubscriptionRepository.class);
        assertThat(repository.activate(subscription, "w1")).as("no handshake reached this database").isFalse();
        assertThat(count("SELECT count(*) FROM webhook_subscriptions WHERE id = '" + subscription
                + "' AND status = 'pending'")).isEqualTo(1);
        handshake();
        assertThat(count("SELECT count(*) FROM webhook_subscriptions WHERE id = '" + subscription
                + "' AND status = 'active'")).isEqualTo(1);
    }

    @Test
    void malformedJsonIs400() throws Exception {
        handshake();
        assertThat(signed("{\"events\": [").statusCode()).isEqualTo(400);
        assertThat(signed("{\"no_events\": 1}").statusCode()).isEqualTo(400);
        assertThat(signed("{\"events\": []} x").statusCode()).isEqualTo(400);
        assertThat(signed("[1]").statusCode()).isEqualTo(400);
        assertThat(count("SELECT count(*) FROM webhooks WHERE subscription_id = '" + subscription + "'")).isZero();
    }

    @Test
    void jsonThatPostgresqlCannotStoreIs400Not503() throws Exception {
        handshake();
        String nul = "{\"events\":[{\"action\":\"changed\",\"text\":\"a\\u0000b\"}]}";
        String loneSurrogate = "{\"events\":[{\"action\":\"changed\",\"text\":\"\\ud800\"}]}";
        String heartbeatWithNul = "{\"events\":[],\"x\":\"\\u0000\"}";
        for (String body : new String[] {nul, loneSurrogate, heartbeatWithNul}) {
            HttpResponse<String> r = signed(body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
        }
        assertThat(count("SELECT count(*) FROM webhooks WHERE subscription_id = '" + subscription + "'")).isZero();
        assertThat(signed(ONE_EVENT).statusCode()).as("the subscription still works").isEqualTo(200);
    }

    @Test
    void overOneMebibyteIs413() throws Exception {
        handshake();
        byte[] big = new byte[1024 * 1024 + 10];
        Arrays.fill(big, (byte) ' ');
        byte[] json = "{\"events\":[]}".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(json, 0, big, 0, json.length);
        HttpResponse<String> r = post(subscription, big, Map.of("X-Hook-Signature", WebhookSignature.sign(SECRET, big)));
        assertThat(r.statusCode()).isEqualTo(413);
    }

    @Test
    void databaseDownIs503AndTheDeliveryIsNotAcknowledged() throws Exception {
        handshake();
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE webhooks RENAME TO webhooks_away");
        }
        try {
            assertThat(signed(ONE_EVENT).statusCode()).isEqualTo(503);
        } finally {
            try (Connection c = schema.connect(); Statement st = c.createStatement()) {
                st.execute("ALTER TABLE webhooks_away RENAME TO webhooks");
            }
        }
        assertThat(signed(ONE_EVENT).statusCode()).isEqualTo(200);
    }

    @Test
    void secretsNeverReachTheLogs() throws Exception {
        handshake();
        signed(ONE_EVENT);
        post(subscription, ONE_EVENT.getBytes(StandardCharsets.UTF_8), Map.of("X-Hook-Signature", "00"));
        assertThat(logs.list).isNotEmpty();
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).noneMatch(m -> m.contains(SECRET));
        assertThat(logs.list).extracting(e -> String.valueOf(e.getThrowableProxy() == null ? ""
                : e.getThrowableProxy().getMessage())).noneMatch(m -> m.contains(SECRET));
    }

    @Test
    void theDaemonRefusesToStartWithAMalformedKey() {
        AegisConfig base = TestApp.config(schema.database(), URI.create("http://127.0.0.1:1"));
        Throwable failure = null;
        try (TestApp bad = TestApp.start(base, Settings.of(Map.of(SecretBox.SETTING, "short")),
                Map.of("aegis.sync.enabled", false, "aegis.webhooks.enabled", false, "aegis.jobs.enabled", false))) {
            assertThat(bad).isNull();
        } catch (RuntimeException e) {
            failure = e;
        }
        Throwable root = failure;
        while (root != null && !(root instanceof aegis.config.ConfigException)) {
            root = root.getCause();
        }
        assertThat(root).isNotNull().hasMessageContaining("AEGIS_SECRET_KEY");
        AegisConfig withUrl = new AegisConfig(base.database(), base.asana(),
                Optional.of(URI.create("https://aegis.example")), 0);
        Throwable missing = null;
        try (TestApp bad = TestApp.start(withUrl, Settings.of(Map.of()),
                Map.of("aegis.sync.enabled", false, "aegis.webhooks.enabled", false, "aegis.jobs.enabled", false))) {
            assertThat(bad).isNull();
        } catch (RuntimeException e) {
            missing = e;
        }
        assertThat(missing).isNotNull();
    }
}
