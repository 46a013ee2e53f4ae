package aegis.asana;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.asana.HttpTransport.Request;
import aegis.asana.HttpTransport.Response;
import aegis.asana.HttpTransport.Retry;
import aegis.sim.FakeLlmServer;
import aegis.testing.TestHttp;
import io.micronaut.http.HttpMethod;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The transport policy over HTTP, against the fake LLM: retries, Retry-After, the breaker. */
class HttpTransportTest {
    static FakeLlmServer fake;
    final List<HttpTransport> transports = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        fake = FakeLlmServer.start(0);
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    @AfterEach
    void close() {
        transports.forEach(HttpTransport::close);
    }

    HttpTransport transport(URI base, TransportLimits limits) {
        TransportPolicy policy = new TransportPolicy(4, 4, 4, Duration.ofMillis(5), Duration.ofMillis(20), null,
                Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(5));
        HttpTransport t = new HttpTransport(TestHttp.client(base, policy), policy, limits);
        transports.add(t);
        return t;
    }

    HttpTransport transport() {
        return transport(fake.anthropicBaseUrl(), TransportLimits.none());
    }

    static Request message(Retry retry) {
        byte[] body = "{\"model\":\"m\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        return new Request(HttpMethod.POST, "/v1/messages", Map.of("x-api-key", "k"), body, retry);
    }

    @Test
    void aRetryAfterGivenAsAnHttpDateIsWaitedFor() throws Exception {
        // Whole seconds, as an HTTP-date has them: at least one second from now.
        Instant at = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        fake.failNextUntil(1, 429, at);
        int before = fake.requestCount();
        Response r = transport().exchange(message(Retry.ONLY_429), AttemptListener.NONE);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).contains("Handled: hi");
        assertThat(fake.requestCount() - before).isEqualTo(2);
        assertThat(Instant.now()).as("the retry waited for the date").isAfterOrEqualTo(at.minusMillis(5));
    }

    @Test
    void aRetryAfterInSecondsIsWaitedForAndReported() throws Exception {
        fake.failNext(1, 429, 1);
        List<Duration> waits = new ArrayList<>();
        long t0 = System.nanoTime();
        Response r = transport().exchange(message(Retry.IDEMPOTENT), new AttemptListener() {
            @Override
            public boolean retrying(int attempt, Duration wait, int status) {
                waits.add(wait);
                return true;
            }
        });
        assertThat(r.status()).isEqualTo(200);
        assertThat(waits).containsExactly(Duration.ofSeconds(1));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aServerErrorIsRetriedOnlyWhenTheCallIsIdempotent() throws Exception {
        HttpTransport t = transport();
        int before = fake.requestCount();
        fake.failNext(1, 503, null);
        Response once = t.exchange(message(Retry.ONLY_429), AttemptListener.NONE);
        assertThat(once.status()).as("the 503 comes back: the call may have been applied").isEqualTo(503);
        assertThat(fake.requestCount() - before).isEqualTo(1);

        fake.failNext(2, 503, null);
        assertThat(t.exchange(message(Retry.IDEMPOTENT), AttemptListener.NONE).status()).isEqualTo(200);
        assertThat(fake.requestCount() - before).isEqualTo(4);

        fake.failNext(1, 429, 0);
        assertThat(t.exchange(message(Retry.ONLY_429), AttemptListener.NONE).status())
                .as("a 429 was not applied: retried for every call").isEqualTo(200);
        assertThat(fake.requestCount() - before).isEqualTo(6);
    }

    @Test
    void retriesEndAfterTheAttemptsAllowedWithTheLastAnswer() throws Exception {
        int before = fake.requestCount();
        fake.failNext(4, 500, null);
        assertThat(transport().exchange(message(Retry.IDEMPOTENT), AttemptListener.NONE).status()).isEqualTo(500);
        assertThat(fake.requestCount() - before).isEqualTo(4);
        fake.failNext(1, 400, null);
        assertThat(transport().exchange(message(Retry.IDEMPOTENT), AttemptListener.NONE).status())
                .as("a 400 is final").isEqualTo(400);
        assertThat(fake.requestCount() - before).isEqualTo(5);
    }

    @Test
    void noAnswerAtAllIsNoAnswer() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<Integer> attempts = new ArrayList<>();
        HttpTransport t = transport(URI.create("http://127.0.0.1:" + port), TransportLimits.none());
        assertThatThrownBy(() -> t.exchange(message(Retry.IDEMPOTENT), new AttemptListener() {
            @Override
            public void noAnswer(int attempt, Duration held, Throwable cause) {
                attempts.add(attempt);
            }
        })).isInstanceOf(TransportException.NoAnswer.class).hasMessageContaining("POST /v1/messages");
        assertThat(attempts).containsExactly(1, 2, 3, 4);
    }

    @Test
    void anOpenBreakerSendsNothingAndSaysSoByType() throws Exception {
        HttpTransport t = transport(fake.anthropicBaseUrl(),
                new TransportLimits(null, null, null, TransportLimits.circuitBreaker("test"), null));
        fake.failNext(20, 400, null);
        for (int i = 0; i < 20; i++) {
            assertThat(t.exchange(message(Retry.ONLY_429), AttemptListener.NONE).status()).isEqualTo(400);
        }
        assertThat(t.exchange(message(Retry.ONLY_429), AttemptListener.NONE).status())
                .as("answers in the 4xx are the service working: the breaker stays closed").isEqualTo(200);
        // Half of the last 20 calls failing opens it: ten 502s after ten successes.
        fake.failNext(10, 502, null);
        for (int i = 0; i < 10; i++) {
            assertThat(t.exchange(message(Retry.ONLY_429), AttemptListener.NONE).status()).isEqualTo(502);
        }
        int before = fake.requestCount();
        assertThatThrownBy(() -> t.exchange(message(Retry.IDEMPOTENT), AttemptListener.NONE))
                .isInstanceOf(TransportException.CircuitOpen.class).hasMessageContaining("not sent");
        assertThat(fake.requestCount()).isEqualTo(before);
    }
}
