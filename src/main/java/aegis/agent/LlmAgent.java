package aegis.agent;

import aegis.asana.AttemptListener;
import aegis.asana.HttpTransport;
import aegis.asana.HttpTransport.Retry;
import aegis.asana.HttpTransports;
import aegis.asana.TransportException;
import aegis.asana.TransportLimits;
import aegis.asana.TransportPolicy;
import aegis.config.Settings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.client.HttpClient;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent kind {@code llm}: one call to an LLM over HTTP — the Anthropic Messages API
 * ({@code POST <base_url>/v1/messages}) or OpenAI-compatible chat completions
 * ({@code POST <base_url>/chat/completions}, base_url including {@code /v1}) — through its own
 * {@link HttpTransport}. The key is read at call time from the environment variable named
 * by {@code agents.llm.api_key_env}; it is never stored, logged or put in a message.
 * Tokens come from the response's {@code usage}; cost from {@code agents.llm.prices}.
 * 429 and 5xx answers, and a connection that could not be made, are retried as {@link #policy}
 * says, honouring {@code retry-after}, unless the wait would outlast the execution; a request that
 * may have reached the provider unanswered (a read timeout) is never sent again within the attempt,
 * since it may be billed; any other error is a permanent failure. An
 * answer starting with {@code QUESTION:} is a question ({@link AgentAnswers}).
 */
@Singleton
public final class LlmAgent implements Agent, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LlmAgent.class);
    private final ObjectMapper json;

    private final AgentsConfig.Llm cfg;
    private final Function<String, String> environment;
    private final HttpTransport transport;

    /**
     * In the daemon: a transport on a client from the context's registry. The key is looked up
     * in the settings (the environment, over the YAML file) at call time.
     */
    @Inject
    public LlmAgent(AgentsConfig config, Settings settings, HttpTransports transports, ObjectMapper json) {
        this(config.llm(), name -> settings.string(name).orElse(null),
                transports.transport(config.llm().baseUrl(), policy(config.llm()), TransportLimits.none()), json);
    }

    /**
     * Outside the context (tests): {@code http} reaches {@code cfg.baseUrl()}'s host with
     * {@code policy(cfg).clientConfiguration()}, and is closed with this agent.
     */
    public LlmAgent(AgentsConfig.Llm cfg, Function<String, String> environment, HttpClient http, ObjectMapper json) {
        this(cfg, environment, new HttpTransport(http, policy(cfg), TransportLimits.none()), json);
    }

    private LlmAgent(AgentsConfig.Llm cfg, Function<String, String> environment, HttpTransport transport,
                     ObjectMapper json) {
        this.json = json;
        this.cfg = cfg;
        this.environment = environment;
        this.transport = transport;
    }

    /**
     * {@code max_retries} after the first attempt, whatever failed; backoff from
     * {@code retry_base_delay} up to a minute; a retry-after is capped at 5 minutes so that a
     * hostile header cannot park a worker; {@code timeout} per attempt. No shared limits.
     */
    public static TransportPolicy policy(AgentsConfig.Llm cfg) {
        int attempts = cfg.maxRetries() + 1;
        return new TransportPolicy(attempts, attempts, attempts, cfg.retryBaseDelay(), Duration.ofSeconds(60),
                null, Duration.ofMinutes(5), Duration.ofSeconds(10), cfg.timeout());
    }

    @Override
    public String kind() {
        return "llm";
    }

    @Override
    public AgentOutcome run(AgentRequest request, AgentContext context) throws InterruptedException {
        String key = environment.apply(cfg.apiKeyEnv());
        if (key == null || key.isBlank()) {
            return new AgentOutcome.Failed(false, "the LLM key is missing: environment variable "
                    + cfg.apiKeyEnv() + " (agents.llm.api_key_env) is not set", Usage.NONE, "", null);
        }
        boolean anthropic = cfg.provider() == AgentsConfig.Provider.ANTHROPIC;
        String uri = cfg.baseUrl().getPath() + (anthropic ? "/v1/messages" : "/chat/completions");
        Map<String, String> headers = anthropic ? Map.of("x-api-key", key, "anthropic-version", "2023-06-01")
                : Map.of("Authorization", "Bearer " + key);
        // A completion asked for twice is paid twice: sent again only when the first was surely not billed.
        HttpTransport.Request call = new HttpTransport.Request(HttpMethod.POST, uri, headers,
                requestBody(request.prompt()).getBytes(StandardCharsets.UTF_8), Retry.UNLESS_RECEIVED);
        Attempts attempts = new Attempts(request.executionId(), context);
        HttpTransport.Response r;
        try {
            r = transport.exchange(call, attempts);
        } catch (TransportException noAnswer) {
            return attempts.gaveUp();
        }
        if (r.isSuccess()) {
            return outcome(r.text(), context, attempts.millis);
        }
        if (!retryable(r.status())) {
            return new AgentOutcome.Failed(false, attempts.lastError, Usage.NONE, "", null);
        }
        return attempts.gaveUp();
    }

    private static boolean retryable(int status) {
        return status == 429 || status >= 500;
    }

    /** One call's attempts as agent events and log lines; what the last one failed with, for the outcome. */
    private final class Attempts implements AttemptListener {
        private final long executionId;
        private final AgentContext context;
        private long startNanos;
        private long millis;
        private String lastError = "LLM API failed";
        private Duration refusedWait;

        Attempts(long executionId, AgentContext context) {
            this.executionId = executionId;
            this.context = context;
        }

        @Override
        public void starting(int attempt) {
            String provider = cfg.provider().name().toLowerCase();
            context.event("llm_request", "info", "calling " + provider + " " + cfg.model(),
                    Map.of("provider", provider, "model", cfg.model(), "attempt", attempt));
            context.step("Sent the request to " + cfg.model() + (attempt > 1 ? " (try " + attempt + ")" : ""));
            startNanos = System.nanoTime();
        }

        @Override
        public void answered(int attempt, Duration held, HttpTransport.Response r) {
            millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            if (r.isSuccess()) {
                LOG.info("event=llm_call execution={} provider={} model={} status={} ms={} attempt={}",
                        executionId, cfg.provider(), cfg.model(), r.status(), millis, attempt);
                return;
            }
            String detail = errorMessage(r.text());
            boolean retryable = retryable(r.status());
            LOG.info("event=llm_call execution={} provider={} model={} status={} attempt={} retryable={}",
                    executionId, cfg.provider(), cfg.model(), r.status(), attempt, retryable);
            failed(attempt, "LLM API answered " + r.status() + (detail.isEmpty() ? "" : ": " + detail), retryable);
        }

        @Override
        public void noAnswer(int attempt, Duration held, Throwable c) {
            LOG.info("event=llm_call execution={} provider={} model={} error={} attempt={}",
                    executionId, cfg.provider(), cfg.model(), c.getClass().getSimpleName(), attempt);
            failed(attempt, "no answer from the LLM API: " + c.getClass().getSimpleName()
                    + (c.getMessage() == null ? "" : " " + c.getMessage()), true);
        }

        private void failed(int attempt, String message, boolean retryable) {
            lastError = message;
            context.event("llm_error", retryable ? "warn" : "error", message,
                    Map.of("attempt", attempt, "retryable", retryable));
        }

        @Override
        public boolean retrying(int attempt, Duration wait, int status) {
            Duration remaining = context.remaining();
            if (remaining != null && wait.compareTo(remaining) >= 0) {
                refusedWait = wait;
                return false;
            }
            return true;
        }

        /** A transient failure: the retries ran out, or waiting for the next would outlast the execution. */
        AgentOutcome gaveUp() {
            String why = refusedWait != null
                    ? "; waiting " + refusedWait.toMillis() + " ms would outlast the execution's time"
                    : " (after " + (cfg.maxRetries() + 1) + " attempts)";
            return new AgentOutcome.Failed(true, lastError + why, Usage.NONE, "", null);
        }
    }

    private String requestBody(RenderedPrompt prompt) {
        ObjectNode b = json.createObjectNode();
        b.put("model", cfg.model());
        b.put("max_tokens", cfg.maxTokens());
        String system = prompt.system() == null ? "" : prompt.system();
        ArrayNode messages;
        if (cfg.provider() == AgentsConfig.Provider.ANTHROPIC) {
            if (!system.isBlank()) {
                b.put("system", system);
            }
            messages = b.putArray("messages");
        } else {
            messages = b.putArray("messages");
            if (!system.isBlank()) {
                messages.addObject().put("role", "system").put("content", system);
            }
        }
        messages.addObject().put("role", "user").put("content", prompt.user());
        try {
            return json.writeValueAsString(b);
        } catch (Exception e) {
            throw new IllegalStateException("could not encode the LLM request", e);
        }
    }

    private AgentOutcome outcome(String body, AgentContext context, long ms) {
        JsonNode n;
        try {
            n = json.readTree(body);
        } catch (Exception e) {
            return new AgentOutcome.Failed(true, "the LLM API answered something that is not JSON",
                    Usage.NONE, CommandAgent.truncate(body, 2000), null);
        }
        String text;
        long in;
        long out;
        String stop;
        if (cfg.provider() == AgentsConfig.Provider.ANTHROPIC) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode c : n.path("content")) {
                if ("text".equals(c.path("type").asText())) {
                    sb.append(c.path("text").asText());
                }
            }
            text = sb.toString();
            JsonNode u = n.path("usage");
            in = u.path("input_tokens").asLong(0) + u.path("cache_creation_input_tokens").asLong(0)
                    + u.path("cache_read_input_tokens").asLong(0);
            out = u.path("output_tokens").asLong(0);
            stop = n.path("stop_reason").asText("");
        } else {
            JsonNode choice = n.path("choices").path(0);
            text = choice.path("message").path("content").asText("");
            in = n.path("usage").path("prompt_tokens").asLong(0);
            out = n.path("usage").path("completion_tokens").asLong(0);
            stop = choice.path("finish_reason").asText("");
        }
        String responseModel = n.path("model").asText(cfg.model());
        AgentsConfig.Price price = cfg.prices().get(cfg.model());
        if (price == null) {
            price = cfg.prices().get(responseModel);
        }
        BigDecimal cost = BigDecimal.ZERO;
        if (price == null) {
            context.event("llm_price_unknown", "warn", "no price for model " + cfg.model()
                    + " in agents.llm.prices; cost recorded as 0", Map.of("model", cfg.model()));
        } else {
            cost = cost(price, in, out);
        }
        Usage usage = new Usage(in, out, cost);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("model", responseModel);
        d.put("input_tokens", in);
        d.put("output_tokens", out);
        d.put("cost_usd", cost);
        d.put("stop_reason", stop);
        d.put("duration_ms", ms);
        context.event("llm_response", "max_tokens".equals(stop) || "length".equals(stop) ? "warn" : "info",
                "answer of " + text.length() + " characters", d);
        context.usageSoFar(usage);
        context.step("Received the answer (" + text.length() + " characters)");
        if (text.isBlank()) {
            return new AgentOutcome.Failed(false, "the LLM answered with no text (stop reason " + stop + ")",
                    usage, CommandAgent.truncate(body, 2000), null);
        }
        return AgentAnswers.fromText(text, usage, CommandAgent.truncate(text, CommandAgent.EXCERPT_BYTES), null);
    }

    static BigDecimal cost(AgentsConfig.Price price, long in, long out) {
        BigDecimal million = BigDecimal.valueOf(1_000_000);
        return price.inputPerMtok().multiply(BigDecimal.valueOf(in))
                .add(price.outputPerMtok().multiply(BigDecimal.valueOf(out)))
                .divide(million, 6, RoundingMode.HALF_UP);
    }

    private String errorMessage(String body) {
        try {
            return CommandAgent.truncate(json.readTree(body).path("error").path("message").asText(""), 300);
        } catch (Exception notJson) {
            return "";
        }
    }

    @PreDestroy
    @Override
    public void close() {
        transport.close();
    }
}
