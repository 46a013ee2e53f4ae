package aegis.status;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.AegisConfig;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import java.net.URI;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HealthControllerTest {
    private static TestDatabase.Schema schema;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("health");
    }

    @AfterAll
    static void tearDown() {
        schema.drop();
    }

    @Test
    void upWhileTheDatabaseAnswers() throws Exception {
        try (TestApp app = TestApp.start(TestApp.config(schema.database(), URI.create("http://127.0.0.1:1")), Map.of())) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(app.uri("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"status\":\"UP\"}");
        }
    }

    @Test
    void unavailableWhenTheDatabaseDoesNot() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        var nowhere = new AegisConfig.Database("jdbc:postgresql://127.0.0.1:" + closedPort + "/none",
                "nobody", "none");
        try (TestApp app = TestApp.start(TestApp.config(nowhere, URI.create("http://127.0.0.1:1")),
                Map.of("aegis.jobs.enabled", "false", "datasources.default.minimum-idle", 0,
                        "datasources.default.initialization-fail-timeout", -1))) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(app.uri("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("DOWN");
        }
    }
}
