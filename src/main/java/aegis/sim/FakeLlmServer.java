package aegis.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake LLM API for tests and the demo, on 127.0.0.1: the Anthropic Messages API
 * ({@code POST /v1/messages}) and OpenAI chat completions ({@code POST /v1/chat/completions}).
 * Answers are deterministic: {@code "Handled: <first line of the last user message>"}, or,
 * when that message contains {@code [question]}, a question by the agents' convention
 * ({@code "QUESTION: ..."}). {@code usage} counts about one token per four characters.
 * A key must be present ({@code x-api-key} / {@code Authorization: Bearer}); any non-empty one will do.
 *
 * <p>Faults: {@link #failNext} makes the next requests answer an error status (with
 * {@code retry-after} when given); {@link #latency} delays every answer. The same knobs over
 * HTTP: {@code POST /_fake/faults {"status":429,"count":2,"retryAfter":1,"latencyMs":0}};
 * {@code GET /_fake/requests} answers {@code {"requests":N}}.
 */
public final class FakeLlmServer implements AutoCloseable {
    public static final String QUESTION_MARKER = "[question]";

    /** An error answer, with this retry-after header value when not null. */
    private record Fault(int status, String retryAfter) {
    }

    static {
        // As in the Asana simulator: no Nagle delay between a response's headers and body.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    // Its one mapper, plain Jackson: like the Asana simulator, this fake runs outside the application
    // context and speaks another service's JSON, not Aegis's.
    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService pool;
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile Duration latency = Duration.ZERO;
    private volatile String lastRequestBody = "";

    private FakeLlmServer(HttpServer server, ExecutorService pool) {
        this.server = server;
        this.pool = pool;
    }

    /** Starts on 127.0.0.1:{@code port} (0 for a free one). */
    public static FakeLlmServer start(int port) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        ExecutorService pool = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "fake-llm");
            t.setDaemon(true);
            return t;
        });
        FakeLlmServer fake = new FakeLlmServer(http, pool);
        http.setExecutor(pool);
        http.createContext("/v1/messages", ex -> fake.handle(ex, true));
        http.createContext("/v1/chat/completions", ex -> fake.handle(ex, false));
        http.createContext("/_fake/faults", fake::faultsEndpoint);
        http.createContext("/_fake/requests", ex -> fake.send(ex, 200,
                fake.json.createObjectNode().put("requests", fake.requests.get()), null));
        http.start();
        return fake;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Root for provider anthropic (which appends /v1/messages). */
    public URI anthropicBaseUrl() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** Root for provider openai (which appends /chat/completions). */
    public URI openAiBaseUrl() {
        return URI.create("http://127.0.0.1:" + port() + "/v1");
    }

    /** The next {@code count} LLM requests answer {@code status}, with retry-after in seconds when not null. */
    public void failNext(int count, int status, Integer retryAfterSeconds) {
        fail(count, new Fault(status, retryAfterSeconds == null ? null : retryAfterSeconds.toString()));
    }

    /** The next {@code count} LLM requests answer {@code status} with retry-after as an HTTP-date: {@code at}. */
    public void failNextUntil(int count, int status, Instant at) {
        fail(count, new Fault(status, DateTimeFormatter.RFC_1123_DATE_TIME.format(at.atZone(ZoneOffset.UTC))));
    }

    private synchronized void fail(int count, Fault fault) {
        for (int i = 0; i < count; i++) {
            faults.add(fault);
        }
    }

    public void latency(Duration d) {
        latency = d;
    }

    /** LLM requests received (faulted ones included). */
    public int requestCount() {
        return requests.get();
    }

    public String lastRequestBody() {
        return lastRequestBody;
    }

    private synchronized Fault nextFault() {
        return faults.poll();
    }

    private void handle(HttpExchange ex, boolean anthropic) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                send(ex, 405, error(anthropic, "invalid_request_error", "use POST"), null);
                return;
            }
            requests.incrementAndGet();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            lastRequestBody = body;
            sleep(latency);
            Fault f = nextFault();
            if (f != null) {
                String type = f.status() == 429 ? "rate_limit_error" : f.status() >= 500 ? "api_error"
                        : "invalid_request_error";
                send(ex, f.status(), error(anthropic, type, "injected fault " + f.status()), f.retryAfter());
                return;
            }
            String key = anthropic ? ex.getRequestHeaders().getFirst("x-api-key")
                    : bearer(ex.getRequestHeaders().getFirst("Authorization"));
            if (key == null || key.isBlank()) {
                send(ex, 401, error(anthropic, "authentication_error", "missing API key"), null);
                return;
            }
            JsonNode req;
            try {
                req = json.readTree(body);
            } catch (IOException e) {
                send(ex, 400, error(anthropic, "invalid_request_error", "body is not JSON"), null);
                return;
            }
            if (!req.hasNonNull("model") || !req.path("messages").isArray() || req.path("messages").isEmpty()
                    || anthropic && !req.has("max_tokens")) {
                send(ex, 400, error(anthropic, "invalid_request_error",
                        "model, messages" + (anthropic ? " and max_tokens" : "") + " are required"), null);
                return;
            }
            StringBuilder all = new StringBuilder(req.path("system").asText(""));
            String lastUser = "";
            for (JsonNode m : req.path("messages")) {
                String text = m.path("content").isTextual() ? m.path("content").asText() : m.path("content").toString();
                all.append(text);
                if ("user".equals(m.path("role").asText())) {
                    lastUser = text;
                }
            }
            String answer = answer(lastUser);
            long in = tokens(all.toString());
            long out = tokens(answer);
            String model = req.path("model").asText();
            ObjectNode res = json.createObjectNode();
            if (anthropic) {
                res.put("id", "msg_fake_" + requests.get()).put("type", "message").put("role", "assistant")
                        .put("model", model).put("stop_reason", "end_turn").putNull("stop_sequence");
                res.putArray("content").addObject().put("type", "text").put("text", answer);
                res.putObject("usage").put("input_tokens", in).put("output_tokens", out)
                        .put("cache_creation_input_tokens", 0).put("cache_read_input_tokens", 0);
            } else {
                res.put("id", "chatcmpl-fake-" + requests.get()).put("object", "chat.completion")
                        .put("created", System.currentTimeMillis() / 1000).put("model", model);
                ArrayNode choices = res.putArray("choices");
                ObjectNode c = choices.addObject().put("index", 0).put("finish_reason", "stop");
                c.putObject("message").put("role", "assistant").put("content", answer);
                res.putObject("usage").put("prompt_tokens", in).put("completion_tokens", out)
                        .put("total_tokens", in + out);
            }
            send(ex, 200, res, null);
        }
    }

    static String answer(String userMessage) {
        if (userMessage.toLowerCase(Locale.ROOT).contains(QUESTION_MARKER)) {
            return "QUESTION: Before I start, which of the two options in the task do you prefer?";
        }
        String first = userMessage.strip().lines().filter(l -> !l.isBlank()).findFirst().orElse("(empty prompt)");
        if (first.length() > 200) {
            first = first.substring(0, 200);
        }
        return "Handled: " + first.strip();
    }

    private static long tokens(String s) {
        return Math.max(1, (s.length() + 3) / 4);
    }

    private static String bearer(String h) {
        return h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : null;
    }

    private static ObjectNode error(boolean anthropic, String type, String message) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        if (anthropic) {
            n.put("type", "error");
            n.putObject("error").put("type", type).put("message", message);
        } else {
            n.putObject("error").put("type", type).put("message", message).putNull("code");
        }
        return n;
    }

    private void faultsEndpoint(HttpExchange ex) throws IOException {
        try (ex) {
            JsonNode req = json.readTree(ex.getRequestBody().readAllBytes());
            if (req != null && req.has("status")) {
                failNext(req.path("count").asInt(1), req.path("status").asInt(),
                        req.hasNonNull("retryAfter") ? req.get("retryAfter").asInt() : null);
            }
            if (req != null && req.has("latencyMs")) {
                latency(Duration.ofMillis(req.path("latencyMs").asLong()));
            }
            send(ex, 200, json.createObjectNode().put("ok", true), null);
        }
    }

    private void send(HttpExchange ex, int status, JsonNode body, String retryAfter) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        if (retryAfter != null) {
            ex.getResponseHeaders().set("retry-after", retryAfter);
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    private static void sleep(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
