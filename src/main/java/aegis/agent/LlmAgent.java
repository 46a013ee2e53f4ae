package aegis.agent;

import aegis.config.Settings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micronaut.context.BeanContext;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.client.DefaultHttpClientConfiguration;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.HttpClientConfiguration;
import io.micronaut.http.client.HttpClientRegistry;
import io.micronaut.http.client.LoadBalancer;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.MalformedURLException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent kind {@code llm}: one call to an LLM over HTTP — the Anthropic Messages API
 * ({@code POST <base_url>/v1/messages}) or OpenAI-compatible chat completions
 * ({@code POST <base_url>/chat/completions}, base_url including {@code /v1}) — through
 * Micronaut's HTTP client. The key is read at call time from the environment variable named
 * by {@code agents.llm.api_key_env}; it is never stored, logged or put in a message.
 * Tokens come from the response's {@code usage}; cost from {@code agents.llm.prices}.
 * 429, 5xx and I/O errors are retried with exponential backoff and jitter, honouring
 * {@code retry-after}; any other error is a permanent failure. An answer starting with
 * {@code QUESTION:} is a question ({@link AgentAnswers}).
 */
@Singleton
public final class LlmAgent implements Agent, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LlmAgent.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
    private static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);

    private final AgentsConfig.Llm cfg;
    private final Function<String, String> environment;
    private final HttpClient client;

    /**
     * In the daemon: a client from the context's registry, sharing its event loop and codecs.
     * The key is looked up in the settings (the environment, over the YAML file) at call time.
     */
    @Inject
    public LlmAgent(AgentsConfig config, Settings settings, HttpClientRegistry<HttpClient> registry,
                    BeanContext beanContext) {
        this(config.llm(), name -> settings.string(name).orElse(null), http -> registry.resolveClient(null,
                LoadBalancer.fixed(config.llm().baseUrl()), http, beanContext));
    }

    /** Standalone (tests): a client of its own. */
    public LlmAgent(AgentsConfig.Llm cfg, Function<String, String> environment) {
        this(cfg, environment, http -> {
            try {
                return HttpClient.create(cfg.baseUrl().toURL(), http);
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("agents.llm.base_url: " + e.getMessage(), e);
            }
        });
    }

    private LlmAgent(AgentsConfig.Llm cfg, Function<String, String> environment,
                     Function<HttpClientConfiguration, HttpClient> clients) {
        this.cfg = cfg;
        this.environment = environment;
        DefaultHttpClientConfiguration http = new DefaultHttpClientConfiguration();
        http.setReadTimeout(cfg.timeout());
        http.setConnectTimeout(Duration.ofSeconds(10));
        http.setMaxContentLength(64 * 1024 * 1024);
        this.client = clients.apply(http);
    }

    @Override
    public String kind() {
        return "llm";
    }

    /** Failure of one HTTP attempt: worth retrying or not, and how long the server asked us to wait. */
    private record CallError(boolean retryable, String message, Duration retryAfter) {
    }

    @Override
    public AgentOutcome run(AgentRequest request, AgentContext context) throws InterruptedException {
        String key = environment.apply(cfg.apiKeyEnv());
        if (key == null || key.isBlank()) {
            return new AgentOutcome.Failed(false, "the LLM key is missing: environment variable "
                    + cfg.apiKeyEnv() + " (agents.llm.api_key_env) is not set", Usage.NONE, "", null);
        }
        String path = cfg.provider() == AgentsConfig.Provider.ANTHROPIC ? "/v1/messages" : "/chat/completions";
        String uri = cfg.baseUrl().getPath() + path;
        String body = requestBody(request.prompt());
        CallError last = null;
        for (int attempt = 1; attempt <= cfg.maxRetries() + 1; attempt++) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            context.event("llm_request", "info", "calling " + cfg.provider().name().toLowerCase() + " " + cfg.model(),
                    Map.of("provider", cfg.provider().name().toLowerCase(), "model", cfg.model(), "attempt", attempt));
            long t0 = System.nanoTime();
            MutableHttpRequest<String> req = HttpRequest.POST(uri, body)
                    .contentType(MediaType.APPLICATION_JSON_TYPE).accept(MediaType.APPLICATION_JSON_TYPE);
            if (cfg.provider() == AgentsConfig.Provider.ANTHROPIC) {
                req.header("x-api-key", key).header("anthropic-version", "2023-06-01");
            } else {
                req.header("Authorization", "Bearer " + key);
            }
            try {
                HttpResponse<String> res = call(req);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                LOG.info("event=llm_call execution={} provider={} model={} status={} ms={} attempt={}",
                        request.executionId(), cfg.provider(), cfg.model(), res.code(), ms, attempt);
                return outcome(res.body() == null ? "" : res.body(), context, ms);
            } catch (HttpClientResponseException e) {
                last = classify(e);
                LOG.info("event=llm_call execution={} provider={} model={} status={} attempt={} retryable={}",
                        request.executionId(), cfg.provider(), cfg.model(), e.code(), attempt, last.retryable());
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                if (c instanceof HttpClientResponseException hre) {
                    last = classify(hre);
                } else {
                    last = new CallError(true, "no answer from the LLM API: " + c.getClass().getSimpleName()
                            + (c.getMessage() == null ? "" : " " + c.getMessage()), null);
                }
                LOG.info("event=llm_call execution={} provider={} model={} error={} attempt={}",
                        request.executionId(), cfg.provider(), cfg.model(), c.getClass().getSimpleName(), attempt);
            }
            context.event("llm_error", last.retryable() ? "warn" : "error", last.message(),
                    Map.of("attempt", attempt, "retryable", last.retryable()));
            if (!last.retryable()) {
                return new AgentOutcome.Failed(false, last.message(), Usage.NONE, "", null);
            }
            if (attempt > cfg.maxRetries()) {
                break;
            }
            Duration wait = last.retryAfter() != null ? last.retryAfter() : backoff(attempt);
            Duration remaining = context.remaining();
            if (remaining != null && wait.compareTo(remaining) >= 0) {
                return new AgentOutcome.Failed(true, last.message() + "; waiting " + wait.toMillis()
                        + " ms would outlast the execution's time", Usage.NONE, "", null);
            }
            Thread.sleep(wait.toMillis());
        }
        return new AgentOutcome.Failed(true, (last == null ? "LLM API failed" : last.message())
                + " (after " + (cfg.maxRetries() + 1) + " attempts)", Usage.NONE, "", null);
    }

    private String requestBody(RenderedPrompt prompt) {
        ObjectNode b = JSON.createObjectNode();
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
            return JSON.writeValueAsString(b);
        } catch (Exception e) {
            throw new IllegalStateException("could not encode the LLM request", e);
        }
    }

    private AgentOutcome outcome(String body, AgentContext context, long ms) {
        JsonNode n;
        try {
            n = JSON.readTree(body);
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

    private CallError classify(HttpClientResponseException e) {
        int code = e.code();
        String detail = errorMessage(e);
        String msg = "LLM API answered " + code + (detail.isEmpty() ? "" : ": " + detail);
        boolean retryable = code == 429 || code >= 500;
        Duration retryAfter = retryable ? retryAfter(e.getResponse().getHeaders().get("retry-after")) : null;
        return new CallError(retryable, msg, retryAfter);
    }

    private static String errorMessage(HttpClientResponseException e) {
        try {
            String body = e.getResponse().getBody(String.class).orElse("");
            JsonNode n = JSON.readTree(body);
            String m = n.path("error").path("message").asText("");
            return CommandAgent.truncate(m, 300);
        } catch (Exception ignored) {
            return "";
        }
    }

    /** Seconds or an HTTP date; capped so a hostile header cannot park a worker for long. */
    static Duration retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        Duration d;
        try {
            d = Duration.ofMillis(Math.round(Double.parseDouble(header.trim()) * 1000));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(header.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                d = Duration.between(ZonedDateTime.now(at.getZone()), at);
            } catch (RuntimeException e2) {
                return null;
            }
        }
        if (d.isNegative()) {
            d = Duration.ZERO;
        }
        return d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d;
    }

    private Duration backoff(int attempt) {
        long base = cfg.retryBaseDelay().toMillis() * (1L << Math.min(attempt - 1, 16));
        long capped = Math.min(base, MAX_BACKOFF.toMillis());
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    /** The reactive exchange as a call that an interrupt abandons (cancelling the request). */
    private HttpResponse<String> call(HttpRequest<String> req)
            throws InterruptedException, ExecutionException, TimeoutException {
        CompletableFuture<HttpResponse<String>> f = new CompletableFuture<>();
        AtomicReference<Subscription> sub = new AtomicReference<>();
        client.exchange(req, Argument.of(String.class), Argument.of(String.class))
                .subscribe(new Subscriber<HttpResponse<String>>() {
                    @Override
                    public void onSubscribe(Subscription s) {
                        sub.set(s);
                        s.request(1);
                    }

                    @Override
                    public void onNext(HttpResponse<String> r) {
                        f.complete(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                        f.completeExceptionally(t);
                    }

                    @Override
                    public void onComplete() {
                        f.completeExceptionally(new IllegalStateException("the LLM API closed without answering"));
                    }
                });
        try {
            return f.get(cfg.timeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException | TimeoutException e) {
            Subscription s = sub.get();
            if (s != null) {
                s.cancel();
            }
            throw e;
        }
    }

    @PreDestroy
    @Override
    public void close() {
        client.close();
    }
}
