package aegis.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import aegis.config.AdminListener;
import aegis.config.Settings;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The two listeners over real HTTP: operator endpoints only on the admin port, Asana's only on the
 * public one, and, until a key exists, only this machine answered on the admin port. A client from
 * elsewhere is simulated by binding the admin listener to this machine's non-loopback address and
 * connecting to it: the connection's source address is then that address, not loopback.
 */
class AdminListenerTest {
    private static final Map<String, Object> QUIET = Map.of("aegis.jobs.enabled", "false",
            "aegis.sync.enabled", "false", "aegis.webhooks.enabled", "false", "aegis.dispatch.enabled", "false");
    private static TestDatabase.Schema schema;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("adminlistener");
    }

    @AfterAll
    static void tearDown() {
        schema.drop();
    }

    @Test
    void operatorEndpointsAreServedOnlyOnTheAdminPortAndAsanasOnlyOnThePublicOne() throws Exception {
        try (TestApp app = TestApp.start(TestApp.config(schema.database(), URI.create("http://127.0.0.1:1")), QUIET)) {
            for (String path : new String[] {"/status", "/", "/metrics"}) {
                assertThat(get(app.uri(path), null).statusCode()).as("public " + path).isEqualTo(404);
                assertThat(get(app.adminUri(path), null).statusCode()).as("admin " + path).isEqualTo(200);
            }
            assertThat(get(app.uri("/health"), null).statusCode()).isEqualTo(200);
            assertThat(get(app.adminUri("/health"), null).statusCode()).as("admin /health").isEqualTo(404);
            HttpResponse<String> hook = http.send(HttpRequest.newBuilder(app.adminUri("/webhooks/asana/"
                    + java.util.UUID.randomUUID())).header("X-Hook-Secret", "s")
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(hook.statusCode()).as("the receiver is not on the admin port").isEqualTo(404);
        }
    }

    @Test
    void theGaugesSnapshotIsRefreshedInTheBackground() throws Exception {
        Map<String, Object> props = new java.util.HashMap<>(QUIET);
        props.put("aegis.metrics.gauges-interval", "200ms");
        try (TestApp app = TestApp.start(TestApp.config(schema.database(), URI.create("http://127.0.0.1:1")), props)) {
            try (Connection c = schema.connect(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO projects (asana_gid, name) VALUES ('gp', 'G')");
                st.execute("INSERT INTO tasks (asana_gid, project_id) SELECT 'gt', id FROM projects WHERE asana_gid = 'gp'");
                st.execute("INSERT INTO task_executions (task_id, status) SELECT id, 'pending' FROM tasks WHERE asana_gid = 'gt'");
            }
            aegis.testing.Eventually.await("the pending gauge to show the new execution", java.time.Duration.ofSeconds(10),
                    () -> {
                        try {
                            return get(app.adminUri("/metrics"), null).body()
                                    .contains("aegis_dispatch_queue_depth{status=\"pending\"} 1.0");
                        } catch (Exception e) {
                            return false;
                        }
                    });
        }
    }

    @Test
    void withoutAnyKeyOnlyThisMachineIsAnsweredThenAKeyOpensItToOthers() throws Exception {
        InetAddress here = nonLoopbackAddress().orElseGet(() -> fail("this test needs a non-loopback IPv4 address "
                + "on this machine to connect from (any interface that is up, e.g. eth0); none was found"));
        Settings settings = Settings.of(Map.of(AdminListener.BIND, here.getHostAddress(),
                AdminListener.PORT, String.valueOf(aegis.testing.Eventually.freePort())));
        try (TestApp app = TestApp.start(TestApp.config(schema.database(), URI.create("http://127.0.0.1:1")),
                settings, QUIET)) {
            URI status = URI.create("http://" + here.getHostAddress() + ":" + app.adminPort() + "/status");
            URI metrics = URI.create("http://" + here.getHostAddress() + ":" + app.adminPort() + "/metrics");
            HttpResponse<String> refused = get(status, null);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
            assertThat(refused.body()).contains("aegis apikey create");
            assertThat(get(metrics, null).statusCode()).as("/metrics too").isEqualTo(403);

            ApiKeys.Created key = app.context().getBean(ApiKeys.class).create("remote-" + System.nanoTime());
            try {
                assertThat(get(status, null).statusCode()).isEqualTo(401);
                assertThat(get(status, "Bearer " + key.key()).statusCode()).isEqualTo(200);
                assertThat(get(status, "Basic " + Base64.getEncoder().encodeToString((":" + key.key()).getBytes()))
                        .statusCode()).isEqualTo(200);
                assertThat(get(metrics, null).statusCode()).as("/metrics open once keys exist").isEqualTo(200);
            } finally {
                try (Connection c = schema.connect(); Statement st = c.createStatement()) {
                    st.execute("DELETE FROM api_keys");
                }
            }
        }
    }

    @Test
    void theRule() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        InetAddress remote = InetAddress.getByName("192.0.2.7");
        AdminAccess.KeyCheck never = () -> {
            throw new AssertionError("no key is looked at while none exists");
        };
        assertThat(AdminAccess.decide(() -> false, loopback, false, never)).isEqualTo(AdminAccess.Decision.ALLOW);
        assertThat(AdminAccess.decide(() -> false, InetAddress.getByName("::1"), false, never))
                .isEqualTo(AdminAccess.Decision.ALLOW);
        assertThat(AdminAccess.decide(() -> false, remote, false, never)).isEqualTo(AdminAccess.Decision.LOOPBACK_ONLY);
        assertThat(AdminAccess.decide(() -> false, remote, true, never)).as("/metrics as well")
                .isEqualTo(AdminAccess.Decision.LOOPBACK_ONLY);
        assertThat(AdminAccess.decide(() -> true, loopback, false, () -> false)).isEqualTo(AdminAccess.Decision.KEY_REQUIRED);
        assertThat(AdminAccess.decide(() -> true, remote, false, () -> true)).isEqualTo(AdminAccess.Decision.ALLOW);
        assertThat(AdminAccess.decide(() -> true, remote, true, () -> false)).isEqualTo(AdminAccess.Decision.ALLOW);
        java.util.function.BooleanSupplier unasked = () -> {
            throw new AssertionError("a local scrape of /metrics reads no key table");
        };
        assertThat(AdminAccess.decide(unasked, loopback, true, never)).isEqualTo(AdminAccess.Decision.ALLOW);
    }

    @Test
    void theAdminListenerDefaultsToLoopback8081AndNeverSharesThePublicPort() {
        AdminListener d = AdminListener.read(Settings.of(Map.of()), 8080);
        assertThat(d).isEqualTo(new AdminListener(8081, "127.0.0.1"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        AdminListener.read(Settings.of(Map.of(AdminListener.PORT, "8080")), 8080))
                .hasMessageStartingWith("AEGIS_ADMIN_PORT:");
    }

    private HttpResponse<String> get(URI uri, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws Exception {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isUp() || ni.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }
}
