package aegis.asana;

import aegis.asana.AsanaModel.EventsPage;
import aegis.asana.AsanaModel.Project;
import aegis.asana.AsanaModel.Section;
import aegis.asana.AsanaModel.Story;
import aegis.asana.AsanaModel.Task;
import aegis.asana.AsanaModel.TaskUpdate;
import aegis.asana.AsanaModel.User;
import aegis.asana.AsanaModel.Webhook;
import aegis.asana.AsanaModel.WebhookFilter;
import aegis.metrics.Metrics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.client.DefaultHttpClientConfiguration;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.exceptions.HttpClientException;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AsanaClient} on Micronaut's HTTP client. Each call: circuit breaker, then the read or
 * write bulkhead, then per attempt the shared Retry-After gate and the shared rate limiter.
 * 429 is retried for every method (Asana did not apply the request); 5xx and I/O errors only
 * for GET, PUT and DELETE; a comment POST is re-tried only after looking for its marker.
 * Every attempt is counted in {@link Metrics} by method and outcome, with the time it waited
 * on the gate and the limiter.
 */
public final class HttpAsanaClient implements AsanaClient, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpAsanaClient.class);
    private static final int PAGE = 100;
    private static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);

    private final AsanaClientSettings settings;
    private final AsanaResilience resilience;
    private final Metrics metrics;
    private final HttpClient http;
    private final String basePath;
    private final String authorization;
    private final ObjectMapper json = new ObjectMapper();

    /** What a call may be retried on: 429 always; 5xx and I/O only when idempotent. */
    private enum Retry { IDEMPOTENT, ONLY_429 }

    /** Standalone (tools, tests): meters go to a registry of its own. */
    public HttpAsanaClient(AsanaClientSettings settings, AsanaResilience resilience) {
        this(settings, resilience, Metrics.standalone());
    }

    public HttpAsanaClient(AsanaClientSettings settings, AsanaResilience resilience, Metrics metrics) {
        this.settings = settings;
        this.resilience = resilience;
        this.metrics = metrics;
        URI base = settings.baseUrl();
        this.basePath = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
        DefaultHttpClientConfiguration conf = new DefaultHttpClientConfiguration();
        conf.setConnectTimeout(settings.connectTimeout());
        conf.setReadTimeout(settings.readTimeout());
        conf.setFollowRedirects(false);
        conf.setMaxContentLength(64 * 1024 * 1024);
        try {
            this.http = HttpClient.create(new URI(base.getScheme(), null, base.getHost(), base.getPort(),
                    null, null, null).toURL(), conf);
        } catch (MalformedURLException | java.net.URISyntaxException e) {
            throw new IllegalArgumentException("invalid Asana base URL " + base, e);
        }
        this.authorization = "Bearer " + settings.token();
    }

    // ---- AsanaClient -------------------------------------------------------------------------

    @Override
    public User me() {
        return AsanaJson.user(get("/users/me", Map.of("opt_fields", AsanaJson.USER_FIELDS)).get("data"));
    }

    @Override
    public Stream<Project> workspaceProjects(String workspaceGid) {
        return paged("/workspaces/" + seg(workspaceGid) + "/projects",
                Map.of("opt_fields", AsanaJson.PROJECT_FIELDS), AsanaJson::project);
    }

    @Override
    public Stream<Project> portfolioProjects(String portfolioGid) {
        return paged("/portfolios/" + seg(portfolioGid) + "/items",
                Map.of("opt_fields", AsanaJson.PROJECT_FIELDS), AsanaJson::project);
    }

    @Override
    public Project project(String projectGid) {
        return AsanaJson.project(get("/projects/" + seg(projectGid),
                Map.of("opt_fields", AsanaJson.PROJECT_FIELDS)).get("data"));
    }

    @Override
    public List<Section> sections(String projectGid) {
        try (Stream<Section> s = paged("/projects/" + seg(projectGid) + "/sections",
                Map.of("opt_fields", AsanaJson.SECTION_FIELDS), AsanaJson::section)) {
            return s.toList();
        }
    }

    @Override
    public Stream<Task> projectTasks(String projectGid, Optional<Instant> completedSince) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("opt_fields", AsanaJson.TASK_FIELDS);
        completedSince.ifPresent(i -> q.put("completed_since", i.toString()));
        return paged("/projects/" + seg(projectGid) + "/tasks", q, AsanaJson::task);
    }

    @Override
    public Task task(String taskGid) {
        return AsanaJson.task(get("/tasks/" + seg(taskGid), Map.of("opt_fields", AsanaJson.TASK_FIELDS)).get("data"));
    }

    @Override
    public Stream<Task> subtasks(String taskGid) {
        return paged("/tasks/" + seg(taskGid) + "/subtasks", Map.of("opt_fields", AsanaJson.TASK_FIELDS),
                AsanaJson::task);
    }

    @Override
    public Stream<Story> stories(String taskGid) {
        return paged("/tasks/" + seg(taskGid) + "/stories", Map.of("opt_fields", AsanaJson.STORY_FIELDS),
                AsanaJson::story);
    }

    @Override
    public Story postComment(String taskGid, String text, String marker, boolean lookFirst) {
        if (marker == null || marker.isBlank()) {
            throw new IllegalArgumentException("a comment needs a marker so that it is never posted twice");
        }
        // The marker ends the comment: "run 12" must not be found in a comment ending "run 123".
        String full = text.stripTrailing().endsWith(marker) ? text.stripTrailing() : text.stripTrailing() + "\n\n" + marker;
        if (lookFirst) {
            Optional<Story> existing = findMarker(taskGid, marker);
            if (existing.isPresent()) {
                LOG.info("event=asana_comment_found_before_post task={}", taskGid);
                return existing.get();
            }
        }
        ObjectNode body = json.createObjectNode();
        body.putObject("data").put("text", full);
        String path = "/tasks/" + seg(taskGid) + "/stories";
        for (int attempt = 1; ; attempt++) {
            try {
                JsonNode r = call("POST", path, Map.of("opt_fields", AsanaJson.STORY_FIELDS), body, true,
                        Retry.ONLY_429);
                return AsanaJson.story(r.get("data"));
            } catch (AsanaException.ServerError | AsanaException.Unavailable e) {
                if (attempt >= settings.maxAttempts() || isCircuitOpen(e)) {
                    throw e;
                }
                LOG.info("event=asana_comment_uncertain task={} attempt={} status={}", taskGid, attempt, e.status());
                sleep(backoff(attempt));
                Optional<Story> existing = findMarker(taskGid, marker);
                if (existing.isPresent()) {
                    return existing.get();
                }
            }
        }
    }

    private Optional<Story> findMarker(String taskGid, String marker) {
        try (Stream<Story> s = stories(taskGid)) {
            return s.filter(st -> st.text() != null && st.text().stripTrailing().endsWith(marker)).findFirst();
        }
    }

    @Override
    public Task updateTask(String taskGid, TaskUpdate update) {
        ObjectNode body = json.createObjectNode();
        ObjectNode data = body.putObject("data");
        if (update.completed() != null) {
            data.put("completed", update.completed());
        }
        if (update.unassign()) {
            data.putNull("assignee");
        } else if (update.assigneeGid() != null) {
            data.put("assignee", update.assigneeGid());
        }
        if (update.name() != null) {
            data.put("name", update.name());
        }
        if (update.notes() != null) {
            data.put("notes", update.notes());
        }
        return AsanaJson.task(call("PUT", "/tasks/" + seg(taskGid), Map.of("opt_fields", AsanaJson.TASK_FIELDS),
                body, true, Retry.IDEMPOTENT).get("data"));
    }

    @Override
    public void addTaskToSection(String sectionGid, String taskGid) {
        ObjectNode body = json.createObjectNode();
        body.putObject("data").put("task", taskGid);
        // Adding a task to the section it is in changes nothing: safe to repeat.
        call("POST", "/sections/" + seg(sectionGid) + "/addTask", Map.of(), body, true, Retry.IDEMPOTENT);
    }

    @Override
    public EventsPage events(String resourceGid, String syncToken) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("resource", resourceGid);
        if (syncToken != null) {
            q.put("sync", syncToken);
        }
        JsonNode r = get("/events", q);
        return new EventsPage(AsanaJson.list(r.path("data"), AsanaJson::event), AsanaJson.text(r, "sync"),
                r.path("has_more").asBoolean(false));
    }

    @Override
    public Webhook createWebhook(String resourceGid, String target, List<WebhookFilter> filters) {
        ObjectNode body = json.createObjectNode();
        ObjectNode data = body.putObject("data");
        data.put("resource", resourceGid);
        data.put("target", target);
        if (filters != null && !filters.isEmpty()) {
            ArrayNode arr = data.putArray("filters");
            for (WebhookFilter f : filters) {
                ObjectNode o = arr.addObject();
                if (f.resourceType() != null) {
                    o.put("resource_type", f.resourceType());
                }
                if (f.resourceSubtype() != null) {
                    o.put("resource_subtype", f.resourceSubtype());
                }
                if (f.action() != null) {
                    o.put("action", f.action());
                }
                if (f.fields() != null && !f.fields().isEmpty()) {
                    ArrayNode fields = o.putArray("fields");
                    f.fields().forEach(fields::add);
                }
            }
        }
        return AsanaJson.webhook(call("POST", "/webhooks", Map.of("opt_fields", AsanaJson.WEBHOOK_FIELDS), body,
                true, Retry.ONLY_429).get("data"));
    }

    @Override
    public List<Webhook> webhooks(String workspaceGid, Optional<String> resourceGid) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("workspace", workspaceGid);
        resourceGid.ifPresent(r -> q.put("resource", r));
        q.put("opt_fields", AsanaJson.WEBHOOK_FIELDS);
        try (Stream<Webhook> s = paged("/webhooks", q, AsanaJson::webhook)) {
            return s.toList();
        }
    }

    @Override
    public void deleteWebhook(String webhookGid) {
        call("DELETE", "/webhooks/" + seg(webhookGid), Map.of(), null, true, Retry.IDEMPOTENT);
    }

    @Override
    public void close() {
        http.close();
    }

    // ---- paging ------------------------------------------------------------------------------

    private <T> Stream<T> paged(String path, Map<String, String> query, Function<JsonNode, T> map) {
        Iterator<T> it = new Iterator<>() {
            private Iterator<JsonNode> page;
            private String offset;
            private boolean last;

            @Override
            public boolean hasNext() {
                while ((page == null || !page.hasNext()) && !last) {
                    Map<String, String> q = new LinkedHashMap<>(query);
                    q.put("limit", Integer.toString(PAGE));
                    if (offset != null) {
                        q.put("offset", offset);
                    }
                    JsonNode body = get(path, q);
                    List<JsonNode> items = new ArrayList<>();
                    body.path("data").forEach(items::add);
                    page = items.iterator();
                    JsonNode next = body.path("next_page");
                    offset = next.isObject() ? AsanaJson.text(next, "offset") : null;
                    last = offset == null;
                }
                return page != null && page.hasNext();
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return map.apply(page.next());
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED), false);
    }

    // ---- the call ----------------------------------------------------------------------------

    private JsonNode get(String path, Map<String, String> query) {
        return call("GET", path, query, null, false, Retry.IDEMPOTENT);
    }

    private JsonNode call(String method, String path, Map<String, String> query, JsonNode body, boolean write,
                          Retry retry) {
        CircuitBreaker cb = resilience.circuitBreaker();
        if (!cb.tryAcquirePermission()) {
            throw new AsanaException.Unavailable("Asana circuit breaker is open after repeated failures; "
                    + method + " " + path + " not sent", null);
        }
        long start = System.nanoTime();
        Bulkhead bulkhead = write ? resilience.writes() : resilience.reads();
        try {
            bulkhead.acquirePermission();
        } catch (BulkheadFullException e) {
            cb.releasePermission();
            throw new AsanaException.Unavailable("too many concurrent Asana " + (write ? "writes" : "reads")
                    + "; " + method + " " + path + " not sent", null);
        }
        try {
            JsonNode result = attempts(method, path, query, body, retry);
            cb.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return result;
        } catch (RuntimeException e) {
            cb.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            throw e;
        } finally {
            bulkhead.onComplete();
        }
    }

    private JsonNode attempts(String method, String path, Map<String, String> query, JsonNode body, Retry retry) {
        String uri = basePath + path + queryString(query);
        int failures = 0;
        int limited = 0;
        while (true) {
            Answer a;
            try {
                long waitStart = System.nanoTime();
                resilience.gate().awaitOpen();
                RateLimiter limiter = resilience.rateLimiter();
                if (!limiter.acquirePermission()) {
                    metrics.asanaRateLimitWait(Duration.ofNanos(System.nanoTime() - waitStart));
                    metrics.asanaRequest(method, "rate_limited");
                    throw new AsanaException.RateLimited("client-side Asana rate limit: no permit within "
                            + limiter.getRateLimiterConfig().getTimeoutDuration() + " for " + method + " " + path,
                            resilience.gate().remaining());
                }
                // A 429 may have arrived while this thread waited for its permit.
                resilience.gate().awaitOpen();
                long waited = System.nanoTime() - waitStart;
                try {
                    a = send(method, uri, body);
                } finally {
                    // Recorded after sending: nothing may stand between the open gate and the send.
                    metrics.asanaRateLimitWait(Duration.ofNanos(waited));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AsanaException.Unavailable("interrupted during " + method + " " + path, e);
            } catch (HttpClientException e) {
                metrics.asanaRequest(method, "network");
                failures++;
                if (retry == Retry.IDEMPOTENT && failures < settings.maxAttempts()) {
                    LOG.info("event=asana_retry method={} path={} reason=io attempt={}", method, path, failures);
                    sleep(backoff(failures));
                    continue;
                }
                throw new AsanaException.Unavailable("no answer from Asana for " + method + " " + path + ": "
                        + e.getClass().getSimpleName(), null);
            }
            int s = a.status;
            if (s == 429) {
                // Closed first: every other caller must stop before anything else is done here.
                resilience.gate().closeFor(a.retryAfter);
            }
            metrics.asanaRequest(method, outcome(s));
            if (s >= 200 && s < 300) {
                return a.body;
            }
            String message = method + " " + path + " -> " + s + ": " + errorMessage(a.body);
            if (s == 429) {
                Duration wait = a.retryAfter;
                limited++;
                LOG.info("event=asana_rate_limited method={} path={} retry_after_ms={} attempt={}", method, path,
                        wait.toMillis(), limited);
                if (limited < settings.max429Attempts()) {
                    continue;
                }
                throw new AsanaException.RateLimited(message, wait);
            }
            if (s >= 500) {
                failures++;
                if (retry == Retry.IDEMPOTENT && failures < settings.maxAttempts()) {
                    LOG.info("event=asana_retry method={} path={} status={} attempt={}", method, path, s, failures);
                    sleep(backoff(failures));
                    continue;
                }
                throw new AsanaException.ServerError(s, message);
            }
            throw switch (s) {
                case 400 -> new AsanaException.BadRequest(message);
                case 401 -> new AsanaException.Unauthorized(message);
                case 402 -> new AsanaException.PaymentRequired(message);
                case 403 -> new AsanaException.Forbidden(message);
                case 404 -> new AsanaException.NotFound(message);
                case 412 -> new AsanaException.InvalidSyncToken(message, AsanaJson.text(a.body, "sync"));
                default -> new AsanaException.BadRequest(message);
            };
        }
    }

    private record Answer(int status, JsonNode body, Duration retryAfter) {
    }

    private static String outcome(int status) {
        if (status >= 200 && status < 300) {
            return "ok";
        }
        if (status == 429) {
            return "rate_limited";
        }
        return status >= 500 ? "server_error" : "client_error";
    }

    @SuppressWarnings("unchecked")
    private Answer send(String method, String uri, JsonNode body) {
        MutableHttpRequest<Object> req = HttpRequest.create(HttpMethod.valueOf(method), uri)
                .header("Authorization", authorization)
                .accept(MediaType.APPLICATION_JSON_TYPE);
        if (body != null) {
            req.contentType(MediaType.APPLICATION_JSON_TYPE).body(body.toString().getBytes(StandardCharsets.UTF_8));
        }
        HttpResponse<byte[]> resp;
        try {
            resp = http.toBlocking().exchange(req, Argument.of(byte[].class), Argument.of(byte[].class));
        } catch (HttpClientResponseException e) {
            resp = (HttpResponse<byte[]>) e.getResponse();
        }
        byte[] raw = resp.getBody(byte[].class).orElse(new byte[0]);
        JsonNode node;
        try {
            node = raw.length == 0 ? json.createObjectNode() : json.readTree(raw);
        } catch (IOException e) {
            node = json.createObjectNode();
        }
        Duration retryAfter = parseRetryAfter(resp.getHeaders().get("Retry-After"));
        return new Answer(resp.code(), node, retryAfter);
    }

    static Duration parseRetryAfter(String v) {
        if (v == null || v.isBlank()) {
            return DEFAULT_RETRY_AFTER;
        }
        try {
            return Duration.ofMillis((long) (Double.parseDouble(v.trim()) * 1000));
        } catch (NumberFormatException e) {
            try {
                Duration d = Duration.between(Instant.now(),
                        ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException e2) {
                return DEFAULT_RETRY_AFTER;
            }
        }
    }

    private static String errorMessage(JsonNode body) {
        JsonNode errors = body == null ? null : body.path("errors");
        if (errors != null && errors.isArray() && !errors.isEmpty()) {
            String m = AsanaJson.text(errors.get(0), "message");
            return m == null ? "(no message)" : m;
        }
        return "(no message)";
    }

    private Duration backoff(int failures) {
        long base = settings.backoffBase().toMillis() << Math.min(failures - 1, 16);
        long capped = Math.min(base, settings.backoffMax().toMillis());
        // Jitter spreads the retries of many callers so they do not arrive together.
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AsanaException.Unavailable("interrupted while backing off", e);
        }
    }

    private static boolean isCircuitOpen(AsanaException e) {
        return e instanceof AsanaException.Unavailable && e.getMessage().contains("circuit breaker is open");
    }

    private static String seg(String gid) {
        return URLEncoder.encode(gid, StandardCharsets.UTF_8);
    }

    private static String queryString(Map<String, String> q) {
        if (q.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        q.forEach((k, v) -> sb.append(sb.length() == 0 ? '?' : '&').append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8).replace("%2C", ",")));
        return sb.toString();
    }
}
