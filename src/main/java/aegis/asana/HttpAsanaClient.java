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
import aegis.asana.HttpTransport.Retry;
import aegis.metrics.Metrics;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.http.HttpMethod;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AsanaClient}'s endpoints: paths, query parameters, opt_fields, pagination, JSON to
 * {@link AsanaModel} records, and the marker that keeps a comment from being posted twice.
 * Limits, retries and timeouts are the {@link HttpTransport}'s; GET, PUT, DELETE and adding a
 * task to a section are idempotent, other POSTs are retried only on a 429.
 */
public final class HttpAsanaClient implements AsanaClient, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpAsanaClient.class);

    private final HttpTransport transport;
    private final Metrics metrics;
    private final String basePath;
    private final Map<String, String> headers;
    private final ObjectMapper json;
    private final List<WriteListener> listeners;
    /** The execution this view writes for ({@link #forExecution}); null for the shared client. */
    private final Long executionId;
    /** The bot's gid, asked once and shared with every view of this client. */
    private final AtomicReference<String> selfGid;

    /**
     * {@code transport} reaches {@code settings.baseUrl()}'s host ({@link HttpTransports} builds
     * it in the daemon) and is closed with this client.
     */
    public HttpAsanaClient(AsanaClientSettings settings, HttpTransport transport, Metrics metrics, ObjectMapper json) {
        this(settings, transport, metrics, json, List.of());
    }

    /** As above, {@code listeners} told of every write (the audit trail). */
    public HttpAsanaClient(AsanaClientSettings settings, HttpTransport transport, Metrics metrics, ObjectMapper json,
                           List<WriteListener> listeners) {
        this.transport = transport;
        this.metrics = metrics;
        this.json = json;
        String path = settings.baseUrl().getRawPath();
        this.basePath = path == null ? "" : path.replaceAll("/+$", "");
        this.headers = Map.of("Authorization", "Bearer " + settings.token());
        this.listeners = List.copyOf(listeners);
        this.executionId = null;
        this.selfGid = new AtomicReference<>();
    }

    private HttpAsanaClient(HttpAsanaClient shared, long executionId) {
        this.transport = shared.transport;
        this.metrics = shared.metrics;
        this.json = shared.json;
        this.basePath = shared.basePath;
        this.headers = shared.headers;
        this.listeners = shared.listeners;
        this.executionId = executionId;
        this.selfGid = shared.selfGid;
    }

    /** A view of this client for one execution's writes; it is never closed (the shared client is). */
    @Override
    public AsanaClient forExecution(long id) {
        return new HttpAsanaClient(this, id);
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
        requireMarker(marker);
        // The marker ends the comment: "run 12" must not be found in a comment ending "run 123".
        String full = text.stripTrailing().endsWith(marker) ? text.stripTrailing() : text.stripTrailing() + "\n\n" + marker;
        return postOnce(taskGid, AsanaJson.body("text", full), marker, lookFirst);
    }

    @Override
    public Story postRichComment(String taskGid, String htmlText, String marker, boolean lookFirst) {
        requireMarker(marker);
        String html = htmlText.strip();
        if (!html.startsWith("<body>") || !html.endsWith("</body>")) {
            throw new IllegalArgumentException("rich text must be one <body> element");
        }
        String escaped = RichText.escape(marker);
        String inner = html.substring("<body>".length(), html.length() - "</body>".length()).stripTrailing();
        if (!inner.endsWith(escaped)) {
            inner = inner + (inner.isEmpty() ? "" : "\n\n") + escaped;
        }
        return postOnce(taskGid, AsanaJson.body("html_text", "<body>" + inner + "</body>"), marker, lookFirst);
    }

    private static void requireMarker(String marker) {
        if (marker == null || marker.isBlank()) {
            throw new IllegalArgumentException("a comment needs a marker so that it is never posted twice");
        }
    }

    /** Posts a comment body ending with {@code marker}, unless one with it is there already. */
    private Story postOnce(String taskGid, JsonNode body, String marker, boolean lookFirst) {
        if (lookFirst) {
            Optional<Story> existing = findMarker(taskGid, marker);
            if (existing.isPresent()) {
                LOG.info("event=asana_comment_found_before_post task={}", taskGid);
                return existing.get();
            }
        }
        String path = "/tasks/" + seg(taskGid) + "/stories";
        return written("comment", HttpMethod.POST, path, taskGid, () -> post(taskGid, marker, body, path), Story::gid);
    }

    private Story post(String taskGid, String marker, JsonNode body, String path) {
        // Not repeated blindly: after a 5xx or no answer the comment may exist, so look for it first.
        for (int attempt = 1; ; attempt++) {
            try {
                JsonNode r = call(HttpMethod.POST, path, Map.of("opt_fields", AsanaJson.STORY_FIELDS), body,
                        Retry.ONLY_429);
                return AsanaJson.story(r.get("data"));
            } catch (AsanaException.ServerError | AsanaException.Unavailable e) {
                if (attempt >= transport.policy().maxFailures()) {
                    throw e;
                }
                LOG.info("event=asana_comment_uncertain task={} attempt={} status={}", taskGid, attempt, e.status());
                pause(transport.policy().backoff(attempt));
                Optional<Story> existing = findMarker(taskGid, marker);
                if (existing.isPresent()) {
                    return existing.get();
                }
            }
        }
    }

    /**
     * A comment of this client's own user that ends with {@code marker}. Anyone can write the
     * marker into a comment (run numbers are sequential); only the bot's own comment is the answer.
     */
    private Optional<Story> findMarker(String taskGid, String marker) {
        String self = selfGid();
        try (Stream<Story> s = stories(taskGid)) {
            return s.filter(st -> st.createdBy() != null && self.equals(st.createdBy().gid()))
                    .filter(st -> st.text() != null && st.text().stripTrailing().endsWith(marker)).findFirst();
        }
    }

    /** The gid of the user whose token this client sends, asked once. */
    private String selfGid() {
        String g = selfGid.get();
        if (g == null) {
            g = me().gid();
            selfGid.set(g);
        }
        return g;
    }

    @Override
    public Task updateTask(String taskGid, TaskUpdate update) {
        String path = "/tasks/" + seg(taskGid);
        String action = update.assigneeGid() != null || update.unassign() ? "reassign"
                : Boolean.TRUE.equals(update.completed()) ? "complete" : "task_update";
        return written(action, HttpMethod.PUT, path, taskGid, () -> AsanaJson.task(call(HttpMethod.PUT, path,
                Map.of("opt_fields", AsanaJson.TASK_FIELDS), AsanaJson.body(update), Retry.IDEMPOTENT).get("data")),
                t -> null);
    }

    @Override
    public Story updateStory(String storyGid, String text) {
        String path = "/stories/" + seg(storyGid);
        // Setting the same text again changes nothing: safe to repeat.
        return written("comment_edit", HttpMethod.PUT, path, null, () -> AsanaJson.story(call(HttpMethod.PUT, path,
                Map.of("opt_fields", AsanaJson.STORY_FIELDS), AsanaJson.body("text", text), Retry.IDEMPOTENT)
                .get("data")), st -> null);
    }

    @Override
    public List<AsanaModel.EnumField> enumFields(String taskGid) {
        return AsanaJson.enumFields(get("/tasks/" + seg(taskGid), Map.of("opt_fields", AsanaJson.ENUM_FIELDS))
                .path("data"));
    }

    @Override
    public void setEnumField(String taskGid, String fieldGid, String optionGid) {
        String path = "/tasks/" + seg(taskGid);
        written("status_field", HttpMethod.PUT, path, taskGid, () -> call(HttpMethod.PUT, path,
                Map.of("opt_fields", "modified_at"), AsanaJson.enumFieldBody(fieldGid, optionGid), Retry.IDEMPOTENT),
                r -> null);
    }

    @Override
    public void addTaskToSection(String sectionGid, String taskGid) {
        String path = "/sections/" + seg(sectionGid) + "/addTask";
        // Adding a task to the section it is in changes nothing: safe to repeat.
        written("section_move", HttpMethod.POST, path, taskGid,
                () -> call(HttpMethod.POST, path, Map.of(), AsanaJson.body("task", taskGid), Retry.IDEMPOTENT),
                r -> null);
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
        return written("webhook_create", HttpMethod.POST, "/webhooks?resource=" + seg(resourceGid), null,
                () -> AsanaJson.webhook(call(HttpMethod.POST, "/webhooks", Map.of("opt_fields",
                        AsanaJson.WEBHOOK_FIELDS), AsanaJson.webhookBody(resourceGid, target, filters),
                        Retry.ONLY_429).get("data")), Webhook::gid);
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
        String path = "/webhooks/" + seg(webhookGid);
        written("webhook_delete", HttpMethod.DELETE, path, null,
                () -> call(HttpMethod.DELETE, path, Map.of(), null, Retry.IDEMPOTENT), r -> null);
    }

    /**
     * Runs the write {@code call} and tells the listeners how it went (what it created, by
     * {@code created}, or the failure's kind), then answers or throws as the call did.
     */
    private <T> T written(String action, HttpMethod method, String resource, String taskGid, Supplier<T> call,
                          Function<T, String> created) {
        T answer;
        try {
            answer = call.get();
        } catch (RuntimeException e) {
            String kind = e instanceof AsanaException ae && ae.status() > 0
                    ? e.getClass().getSimpleName() + " " + ae.status() : e.getClass().getSimpleName();
            tell(new AsanaWrite(action, method.name(), resource, taskGid, executionId, null, "failed: " + kind));
            throw e;
        }
        tell(new AsanaWrite(action, method.name(), resource, taskGid, executionId,
                answer == null ? null : created.apply(answer), "ok"));
        return answer;
    }

    private void tell(AsanaWrite w) {
        for (WriteListener l : listeners) {
            try {
                l.written(w);
            } catch (RuntimeException e) {
                // The write happened; a listener's trouble must not make it look failed.
                LOG.warn("event=asana_write_listener_failed action={} error={}", w.action(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        transport.close();
    }

    private <T> Stream<T> paged(String path, Map<String, String> query, Function<JsonNode, T> map) {
        return AsanaPages.stream(query, q -> get(path, q), map);
    }

    // ---- the call ----------------------------------------------------------------------------

    private JsonNode get(String path, Map<String, String> query) {
        return call(HttpMethod.GET, path, query, null, Retry.IDEMPOTENT);
    }

    /** The JSON of a 2xx answer; anything else as the {@link AsanaException} that says what it was. */
    private JsonNode call(HttpMethod method, String path, Map<String, String> query, JsonNode body, Retry retry) {
        HttpTransport.Request request = new HttpTransport.Request(method, basePath + path + queryString(query),
                headers, body == null ? null : body.toString().getBytes(StandardCharsets.UTF_8), retry);
        HttpTransport.Response r;
        try {
            r = transport.exchange(request, new AsanaAttempts(metrics, request));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AsanaException.Unavailable("interrupted during " + request.describe(), e);
        } catch (TransportException.CircuitOpen e) {
            throw new AsanaException.CircuitOpen("Asana " + e.getMessage(), e);
        } catch (TransportException.Throttled e) {
            throw new AsanaException.RateLimited(e.getMessage(), e.retryAfter());
        } catch (TransportException e) {
            throw new AsanaException.Unavailable("Asana: " + e.getMessage(), e);
        }
        JsonNode answer = parse(r.body());
        if (r.isSuccess()) {
            return answer;
        }
        String message = request.describe() + " -> " + r.status() + ": " + errorMessage(answer);
        if (r.status() >= 500) {
            throw new AsanaException.ServerError(r.status(), message);
        }
        throw switch (r.status()) {
            case 401 -> new AsanaException.Unauthorized(message);
            case 402 -> new AsanaException.PaymentRequired(message);
            case 403 -> new AsanaException.Forbidden(message);
            case 404 -> new AsanaException.NotFound(message);
            case 412 -> new AsanaException.InvalidSyncToken(message, AsanaJson.text(answer, "sync"));
            case 429 -> new AsanaException.RateLimited(message, r.retryAfter());
            default -> new AsanaException.BadRequest(message);
        };
    }

    private JsonNode parse(byte[] raw) {
        try {
            return raw.length == 0 ? json.createObjectNode() : json.readTree(raw);
        } catch (IOException e) {
            return json.createObjectNode();
        }
    }

    private static String errorMessage(JsonNode body) {
        JsonNode errors = body.path("errors");
        if (errors.isArray() && !errors.isEmpty()) {
            String m = AsanaJson.text(errors.get(0), "message");
            return m == null ? "(no message)" : m;
        }
        return "(no message)";
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AsanaException.Unavailable("interrupted while backing off", e);
        }
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
