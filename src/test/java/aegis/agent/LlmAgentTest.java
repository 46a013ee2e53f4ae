package aegis.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.sim.FakeLlmServer;
import aegis.testing.TestHttp;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LlmAgentTest {
    static FakeLlmServer fake;

    @BeforeAll
    static void start() throws Exception {
        fake = FakeLlmServer.start(0);
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    @BeforeEach
    void calm() {
        fake.latency(Duration.ZERO);
    }

    private static AgentsConfig.Llm cfg(AgentsConfig.Provider p, URI base, int retries) {
        return new AgentsConfig.Llm(p, base, "test-model", 1024, "TEST_LLM_KEY", Duration.ofSeconds(10), retries,
                Duration.ofMillis(10), Map.of("test-model",
                new AgentsConfig.Price(new BigDecimal("3"), new BigDecimal("15"))));
    }

    private static LlmAgent agent(AgentsConfig.Provider p, int retries) {
        URI base = p == AgentsConfig.Provider.ANTHROPIC ? fake.anthropicBaseUrl() : fake.openAiBaseUrl();
        return agent(cfg(p, base, retries), name -> "TEST_LLM_KEY".equals(name) ? "sk-test-secret" : null);
    }

    private static LlmAgent agent(AgentsConfig.Llm cfg, Function<String, String> environment) {
        return new LlmAgent(cfg, environment, TestHttp.client(cfg.baseUrl(), LlmAgent.policy(cfg)), new ObjectMapper());
    }

    private static long tokens(String s) {
        return Math.max(1, (s.length() + 3) / 4);
    }

    @Test
    void anthropicAnswerRecordsTokensAndCostFromUsage() throws Exception {
        var ctx = new AgentFixtures.RecordingContext();
        String system = "You are careful.";
        String user = "Task: Fix the login page\nNotes: it breaks";
        try (LlmAgent a = agent(AgentsConfig.Provider.ANTHROPIC, 2)) {
            AgentOutcome o = a.run(AgentFixtures.request("/tmp", system, user), ctx);
            String answer = "Handled: Task: Fix the login page";
            long in = tokens(system + user);
            long out = tokens(answer);
            assertThat(o).isInstanceOfSatisfying(AgentOutcome.Done.class, d -> {
                assertThat(d.result()).isEqualTo(answer);
                assertThat(d.usage().inputTokens()).isEqualTo(in);
                assertThat(d.usage().outputTokens()).isEqualTo(out);
                assertThat(d.usage().costUsd()).isEqualByComparingTo(
                        new BigDecimal(in * 3 + out * 15).divide(new BigDecimal(1_000_000)));
            });
        }
        assertThat(fake.lastRequestBody()).contains("\"system\":\"You are careful.\"").contains("\"max_tokens\":1024");
        assertThat(ctx.find("llm_response").orElseThrow().data()).containsEntry("stop_reason", "end_turn");
    }

    @Test
    void openAiCompatibleAnswerRecordsTokensAndCost() throws Exception {
        try (LlmAgent a = agent(AgentsConfig.Provider.OPENAI, 2)) {
            AgentOutcome o = a.run(AgentFixtures.request("/tmp", "sys", "Do the thing"),
                    new AgentFixtures.RecordingContext());
            assertThat(o).isInstanceOfSatisfying(AgentOutcome.Done.class, d -> {
                assertThat(d.result()).isEqualTo("Handled: Do the thing");
                assertThat(d.usage().inputTokens()).isEqualTo(tokens("sysDo the thing"));
                assertThat(d.usage().outputTokens()).isEqualTo(tokens("Handled: Do the thing"));
                assertThat(d.usage().costUsd()).isPositive();
            });
        }
        assertThat(fake.lastRequestBody()).contains("\"role\":\"system\"");
    }

    @Test
    void a429IsRetriedHonouringRetryAfter() throws Exception {
        int before = fake.requestCount();
        fake.failNext(2, 429, 1);
        var ctx = new AgentFixtures.RecordingContext();
        long t0 = System.nanoTime();
        try (LlmAgent a = agent(AgentsConfig.Provider.ANTHROPIC, 3)) {
            AgentOutcome o = a.run(AgentFixtures.request("/tmp", "", "retry me"), ctx);
            assertThat(o).isInstanceOf(AgentOutcome.Done.class);
            assertThat(o.usage().totalTokens()).isPositive();
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(fake.requestCount() - before).isEqualTo(3);
        assertThat(ms).as("waited for retry-after: 1 twice").isGreaterThanOrEqualTo(2000);
        assertThat(ctx.events.stream().filter(e -> e.type().equals("llm_error")).count()).isEqualTo(2);
    }

    @Test
    void serverErrorsAreRetriedThenTransientFailure() throws Exception {
        int before = fake.requestCount();
        fake.failNext(3, 503, null);
        try (LlmAgent a = agent(AgentsConfig.Provider.OPENAI, 2)) {
            AgentOutcome o = a.run(AgentFixtures.request("/tmp", "", "x"), new AgentFixtures.RecordingContext());
            assertThat(o).isInstanceOfSatisfying(AgentOutcome.Failed.class, f -> {
                assertThat(f.transientFailure()).isTrue();
                assertThat(f.reason()).contains("503").contains("3 attempts");
            });
        }
        assertThat(fake.requestCount() - before).isEqualTo(3);
    }

    @Test
    void otherErrorsArePermanentAndNotRetried() throws Exception {
        int before = fake.requestCount();
        fake.failNext(1, 400, null);
        try (LlmAgent a = agent(AgentsConfig.Provider.ANTHROPIC, 3)) {
            AgentOutcome o = a.run(AgentFixtures.request("/tmp", "", "x"), new AgentFixtures.RecordingContext());
            assertThat(o).isInstanceOfSatisfying(AgentOutcome.Failed.class, f -> {
                assertThat(f.transientFailure()).isFalse();
                assertThat(f.reason()).contains("400").contains("injected fault");
                assertThat(f.reason()).doesNotContain("sk-test-secret");
            });
        }
        assertThat(fake.requestCount() - before).isEqualTo(1);
    }

    @Test
    void missingKeyIsAPermanentFailureNamingTheVariable() throws Exception {
        var c = cfg(AgentsConfig.Provider.ANTHROPIC, fake.anthropicBaseUrl(), 1);
        try (LlmAgent a = agent(c, name -> null)) {
            AgentOutcome o = a.run(AgentFixtures.request("/tmp", "", "x"), new AgentFixtures.RecordingContext());
            assertThat(((AgentOutcome.Failed) o).reason()).contains("TEST_LLM_KEY");
            assertThat(((AgentOutcome.Failed) o).transientFailure()).isFalse();
        }
    }

    @Test
    void questionConventionMakesAQuestion() throws Exception {
        try (LlmAgent a = agent(AgentsConfig.Provider.ANTHROPIC, 1)) {
            AgentOutcome o = a.run(AgentFixtures.request("/tmp", "", "Choose [question] please"),
                    new AgentFixtures.RecordingContext());
            assertThat(o).isInstanceOfSatisfying(AgentOutcome.Question.class,
                    q -> assertThat(q.question()).startsWith("Before I start"));
            assertThat(o.usage().inputTokens()).isPositive();
        }
    }

    @Test
    void interruptionAbandonsTheCall() throws Exception {
        fake.latency(Duration.ofSeconds(5));
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        try (LlmAgent a = agent(AgentsConfig.Provider.ANTHROPIC, 1)) {
            Thread t = new Thread(() -> {
                try {
                    a.run(AgentFixtures.request("/tmp", "", "slow"), new AgentFixtures.RecordingContext());
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            long t0 = System.nanoTime();
            t.start();
            Thread.sleep(300);
            t.interrupt();
            t.join(3000);
            assertThat(t.isAlive()).isFalse();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(3000);
        }
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    }

    /** Whether the timeout was received and perhaps billed, nobody knows: it is not sent again. */
    @Test
    void aCallThatTimesOutIsSentOnceWhateverTheRetries() throws Exception {
        fake.latency(Duration.ofMillis(1500));
        int before = fake.requestCount();
        var c = new AgentsConfig.Llm(AgentsConfig.Provider.ANTHROPIC, fake.anthropicBaseUrl(), "test-model", 1024,
                "TEST_LLM_KEY", Duration.ofMillis(300), 4, Duration.ofMillis(10), Map.of());
        var ctx = new AgentFixtures.RecordingContext();
        try (LlmAgent a = agent(c, name -> "sk-test-secret")) {
            AgentOutcome o = a.run(AgentFixtures.request("/tmp", "", "slow"), ctx);
            assertThat(o).isInstanceOfSatisfying(AgentOutcome.Failed.class,
                    f -> assertThat(f.transientFailure()).as("the next attempt may try again").isTrue());
        }
        assertThat(fake.requestCount() - before).as("requests the provider received in one attempt").isEqualTo(1);
        assertThat(ctx.events.stream().filter(e -> e.type().equals("llm_request")).count()).isEqualTo(1);
    }

    /** A connection never made sent nothing: that is retried. */
    @Test
    void aConnectionNeverMadeIsRetried() throws Exception {
        int closedPort;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        var c = cfg(AgentsConfig.Provider.ANTHROPIC, URI.create("http://127.0.0.1:" + closedPort), 2);
        var ctx = new AgentFixtures.RecordingContext();
        try (LlmAgent a = agent(c, name -> "sk-test-secret")) {
            AgentOutcome o = a.run(AgentFixtures.request("/tmp", "", "x"), ctx);
            assertThat(o).isInstanceOf(AgentOutcome.Failed.class);
        }
        assertThat(ctx.events.stream().filter(e -> e.type().equals("llm_request")).count()).isEqualTo(3);
    }
}
