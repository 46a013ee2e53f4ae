package aegis.sim;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Asana simulator: Asana's REST subset under {@code /api/1.0} and a control API under
 * {@code /_sim} (CONTRACT.md), on the JDK's HTTP server so it starts in milliseconds.
 *
 * <pre>{@code
 * try (AsanaSimulator sim = AsanaSimulator.start()) {          // port 0, seed demo
 *     SimWorld w = sim.world();                                  // token, workspace, users, projects
 *     AsanaClient client = ... sim.baseUrl() ... w.token() ...
 *     sim.createTask(Map.of("project", w.projects().get(0), "name", "x", "assignee", w.botUser()));
 * }
 * }</pre>
 */
public final class AsanaSimulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AsanaSimulator.class);
    static final String API = "/api/1.0";
    private static final String HELP = "For more information on API status codes and how to handle them, "
            + "read the docs on errors: https://developers.asana.com/docs/errors";

    static {
        // The JDK server writes a response's headers and body separately; with Nagle's algorithm
        // on, the body waits for the client's delayed ACK (40 ms), which real Asana does not
        // cost. Read once, when the first JDK HttpServer in the process is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    // The simulator's one mapper, passed down to the webhook deliverer. Plain Jackson: the simulator
    // stands in for Asana outside the application context, so Aegis's HTTP mapper is not its business.
    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final SimStore store;
    private final WebhookDeliverer webhooks;
    private final RequestLog requests = new RequestLog();
    /** Request times per token: Asana counts each token's rate limit on its own. */
    private final Map<String, ArrayDeque<Long>> quotaWindows = new HashMap<>();
    private volatile SimOptions options;
    private volatile SimFaults faults = SimFaults.NONE;
    private final List<Exchange> exchanges = new ArrayList<>();
    private volatile boolean capturing;

    /**
     * One API request and its answer, verbatim, kept while {@link #captureExchanges} is on:
     * the contract tests hold both against Asana's OpenAPI spec.
     */
    public record Exchange(String method, String path, String query, Map<String, List<String>> requestHeaders,
                           String requestBody, int status, Map<String, String> responseHeaders,
                           String responseBody) {
    }

    /** The state a reset produced: what a test or the demo needs to talk to the simulator. */
    public record SimWorld(String token, String workspace, String botUser, String humanUser,
                           List<String> projects, String portfolio) {
        @SuppressWarnings("unchecked")
        static SimWorld of(Map<String, Object> m) {
            return new SimWorld((String) m.get("token"), (String) m.get("workspace"), (String) m.get("botUser"),
                    (String) m.get("humanUser"), List.copyOf((List<String>) m.get("projects")),
                    (String) m.get("portfolio"));
        }
    }

    private AsanaSimulator(int port, SimOptions initial) throws IOException {
        this.options = initial;
        this.webhooks = new WebhookDeliverer(json, () -> options, () -> faults);
        this.store = new SimStore(webhooks);
        store.reset(initial);
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(4, 256, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "sim-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 512);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A simulator on a free port, seeded {@code demo}. */
    public static AsanaSimulator start() {
        return start(0, SimOptions.demo());
    }

    public static AsanaSimulator start(int port, SimOptions options) {
        try {
            return new AsanaSimulator(port, options);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the Asana simulator on port " + port + ": "
                    + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:<port>/api/1.0}: what AEGIS_ASANA_BASE_URL should be. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + port() + API);
    }

    /** {@code http://127.0.0.1:<port>}: the root, under which {@code /_sim} lives. */
    public URI rootUrl() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** Fresh state: clears tasks, events, webhooks, faults and the request log. */
    public SimWorld reset(SimOptions o) {
        return SimWorld.of(resetMap(o));
    }

    private Map<String, Object> resetMap(SimOptions o) {
        webhooks.reset();
        options = o;
        faults = SimFaults.NONE;
        synchronized (quotaWindows) {
            quotaWindows.clear();
        }
        Map<String, Object> w = store.reset(o);
        requests.clear();
        return w;
    }

    public SimWorld world() {
        return SimWorld.of(store.world());
    }

    public SimOptions options() {
        return options;
    }

    public void faults(SimFaults f) {
        this.faults = f;
    }

    public SimFaults faults() {
        return faults;
    }

    public RequestLog requests() {
        return requests;
    }

    /** A person creates a task: {@code project}, {@code name}, {@code notes}, {@code assignee}, {@code section}, {@code parent}, {@code author}. */
    public Map<String, Object> createTask(Map<String, ?> body) {
        return store.personCreateTask(new LinkedHashMap<>(body));
    }

    /** A person changes a task: {@code assignee} (null unassigns), {@code completed}, {@code name}, {@code notes}, {@code section}. */
    public Map<String, Object> changeTask(String gid, Map<String, ?> body) {
        return store.personChangeTask(gid, new LinkedHashMap<>(body));
    }

    public Map<String, Object> comment(String taskGid, String text) {
        return store.personComment(taskGid, new LinkedHashMap<>(Map.of("text", text)));
    }

    public Map<String, Object> deleteTask(String gid) {
        return store.personDeleteTask(gid, new LinkedHashMap<>());
    }

    public Map<String, Object> undeleteTask(String gid) {
        return store.personUndeleteTask(gid, new LinkedHashMap<>());
    }

    /** Every story of a task, the bot's comments included. */
    public List<Map<String, Object>> stories(String taskGid) {
        return store.allStories(taskGid);
    }

    public Map<String, Object> dump() {
        return store.dump();
    }

    /** A person adds an enum custom field to a project: {@code {"gid", "options": {name: option gid}}}. */
    public Map<String, Object> addEnumField(String projectGid, String name, List<String> options) {
        return store.personAddEnumField(projectGid, new LinkedHashMap<>(Map.of("name", name, "options", options)));
    }

    /** Every option name set on the task's enum fields, in order. */
    public List<String> fieldHistory(String taskGid) {
        return store.fieldHistory(taskGid);
    }

    /** Makes every sync token and paging offset issued so far stale. */
    public void expireTokens() {
        store.expireTokens();
    }

    /** The live webhooks, as {@code GET /webhooks} shows them. */
    public List<Map<String, Object>> webhooks() {
        return webhooks.list(null);
    }

    public String webhookSecret(String webhookGid) {
        return webhooks.secretOf(webhookGid);
    }

    /** Starts (or stops) keeping every API exchange verbatim; starting clears what was kept. */
    public void captureExchanges(boolean on) {
        synchronized (exchanges) {
            exchanges.clear();
        }
        capturing = on;
    }

    public List<Exchange> exchanges() {
        synchronized (exchanges) {
            return List.copyOf(exchanges);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        webhooks.close();
    }

    // ---- HTTP --------------------------------------------------------------------------------

    private record Reply(int status, Object body, Map<String, String> headers) {
        static Reply ok(Object body) {
            return new Reply(200, body, Map.of());
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            Reply reply;
            if (path.startsWith(API + "/") || path.equals(API)) {
                byte[] raw;
                try (InputStream in = ex.getRequestBody()) {
                    raw = in.readAllBytes();
                }
                ex.setStreams(new java.io.ByteArrayInputStream(raw), null);
                reply = api(ex, path.substring(API.length()));
                if (capturing) {
                    capture(ex, path, raw, reply);
                }
            } else if (path.startsWith("/_sim/")) {
                reply = control(ex, path.substring("/_sim".length()));
            } else {
                reply = error(404, "Not found: " + path);
            }
            send(ex, reply);
        } catch (RuntimeException e) {
            LOG.warn("event=sim_handler_failed error={}", e.toString());
            send(ex, error(500, "Server Error"));
        }
    }

    private void capture(HttpExchange ex, String path, byte[] raw, Reply reply) throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k, List.copyOf(v)));
        Map<String, String> out = new LinkedHashMap<>(reply.headers);
        out.put("Content-Type", "application/json; charset=UTF-8");
        Exchange e = new Exchange(ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(), headers,
                new String(raw, StandardCharsets.UTF_8), reply.status,
                out, reply.body == null ? "" : json.writeValueAsString(reply.body));
        synchronized (exchanges) {
            exchanges.add(e);
        }
    }

    private void send(HttpExchange ex, Reply reply) throws IOException {
        byte[] body = reply.body == null ? new byte[0] : json.writeValueAsBytes(reply.body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=UTF-8");
        reply.headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(reply.status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static Reply error(int status, String message) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("message", message);
        err.put("help", HELP);
        if (status >= 500) {
            err.put("phrase", "6 sad squid snuggle softly");
        }
        return new Reply(status, Map.of("errors", List.of(err)), Map.of());
    }

    private Reply api(HttpExchange ex, String rest) throws IOException {
        long atMillis = System.currentTimeMillis();
        long atNanos = System.nanoTime();
        String method = ex.getRequestMethod();
        String[] seg = rest.replaceAll("^/+|/+$", "").split("/");
        String template = template(method, seg);
        Reply reply = apiReply(ex, method, seg, template, rest, atMillis);
        int retryAfter = reply.headers.containsKey("Retry-After")
                ? Integer.parseInt(reply.headers.get("Retry-After")) : 0;
        requests.add(new RequestLog.Entry(atMillis, atNanos, method, template, rest, reply.status, retryAfter));
        return reply;
    }

    private Reply apiReply(HttpExchange ex, String method, String[] seg, String template, String rest,
                           long atMillis) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring("Bearer ".length()) : null;
        SimStore.User caller = token == null ? null : store.userOfToken(token);
        if (caller == null) {
            return error(401, "Not Authorized");
        }
        Integer quotaWait = takeQuota(token, atMillis);
        if (quotaWait != null) {
            return tooMany(quotaWait);
        }
        SimFaults f = faults;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (f.rate429() > 0 && rnd.nextDouble() < f.rate429()) {
            return tooMany(f.retryAfterSeconds());
        }
        if (f.latencyMs() > 0) {
            try {
                Thread.sleep(f.latencyMs());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        boolean write = method.equals("POST") || method.equals("PUT");
        if (!write && f.rate5xx() > 0 && rnd.nextDouble() < f.rate5xx()) {
            return error(500, "Server Error");
        }
        Reply reply;
        try {
            Map<String, String> query = query(ex.getRequestURI().getRawQuery());
            reply = route(ex, method, seg, template, rest, query, caller);
        } catch (SimError e) {
            if (e.extraSync != null) {
                // The 412 of /events: Asana's errors carry only a message here, plus the fresh token.
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("errors", List.of(Map.of("message", e.getMessage())));
                body.put("sync", e.extraSync);
                reply = new Reply(e.status, body, Map.of());
            } else {
                reply = error(e.status, e.getMessage());
            }
        }
        if (write && reply.status / 100 == 2 && f.rate5xx() > 0 && rnd.nextDouble() < f.rate5xx()) {
            return error(500, "Server Error");
        }
        return reply;
    }

    private static Reply tooMany(int seconds) {
        Reply r = error(429, "You have made too many requests recently. Please, be chill.");
        return new Reply(429, r.body, Map.of("Retry-After", Integer.toString(seconds)));
    }

    /** Null when the request fits Asana's quota; else the seconds until it would. */
    private Integer takeQuota(String token, long now) {
        SimOptions o = options;
        long window = o.quotaWindowSeconds() * 1000L;
        synchronized (quotaWindows) {
            ArrayDeque<Long> quotaWindow = quotaWindows.computeIfAbsent(token, k -> new ArrayDeque<>());
            while (!quotaWindow.isEmpty() && quotaWindow.peekFirst() <= now - window) {
                quotaWindow.pollFirst();
            }
            if (quotaWindow.size() >= o.quotaPerMinute()) {
                long waitMs = quotaWindow.peekFirst() + window - now;
                return (int) Math.max(1, (waitMs + 999) / 1000);
            }
            quotaWindow.addLast(now);
            return null;
        }
    }

    static String template(String method, String[] s) {
        String path = switch (s.length) {
            case 1 -> s[0].equals("events") || s[0].equals("webhooks") ? "/" + s[0] : null;
            case 2 -> switch (s[0]) {
                case "users" -> s[1].equals("me") ? "/users/me" : "/users/{user_gid}";
                case "projects" -> "/projects/{project_gid}";
                case "tasks" -> "/tasks/{task_gid}";
                case "stories" -> "/stories/{story_gid}";
                case "webhooks" -> "/webhooks/{webhook_gid}";
                default -> null;
            };
            case 3 -> switch (s[0] + "/" + s[2]) {
                case "workspaces/projects" -> "/workspaces/{workspace_gid}/projects";
                case "portfolios/items" -> "/portfolios/{portfolio_gid}/items";
                case "projects/sections" -> "/projects/{project_gid}/sections";
                case "projects/tasks" -> "/projects/{project_gid}/tasks";
                case "tasks/subtasks" -> "/tasks/{task_gid}/subtasks";
                case "tasks/stories" -> "/tasks/{task_gid}/stories";
                case "sections/addTask" -> "/sections/{section_gid}/addTask";
                default -> null;
            };
            default -> null;
        };
        return path == null ? "(unknown)" : path;
    }

    @SuppressWarnings("unchecked")
    /** One API call of {@code caller}, the user whose token it carries: what it writes is authored by that user. */
    private Reply route(HttpExchange ex, String method, String[] seg, String template, String rest,
                        Map<String, String> q, SimStore.User caller) throws IOException {
        OptFields opt = OptFields.parse(q.get("opt_fields"));
        SimStore.Listing listing = new SimStore.Listing(rest, q);
        String key = method + " " + template;
        switch (key) {
            case "GET /users/me":
                return data(store.me(caller, opt));
            case "GET /users/{user_gid}":
                return data(store.user(caller, seg[1], opt));
            case "GET /workspaces/{workspace_gid}/projects":
                return page(store.workspaceProjects(seg[1], listing, opt));
            case "GET /portfolios/{portfolio_gid}/items":
                return page(store.portfolioItems(seg[1], listing, opt));
            case "GET /projects/{project_gid}":
                return data(store.project(seg[1], opt));
            case "GET /projects/{project_gid}/sections":
                return page(store.sections(seg[1], listing, opt));
            case "GET /projects/{project_gid}/tasks":
                return page(store.projectTasks(seg[1], listing, opt));
            case "GET /tasks/{task_gid}":
                return data(store.task(seg[1], opt));
            case "PUT /tasks/{task_gid}":
                return data(store.botUpdate(caller, seg[1], dataOf(ex), opt));
            case "GET /tasks/{task_gid}/subtasks":
                return page(store.subtasks(seg[1], listing, opt));
            case "GET /tasks/{task_gid}/stories":
                return page(store.stories(seg[1], listing, opt));
            case "POST /tasks/{task_gid}/stories":
                return new Reply(201, Map.of("data", store.botComment(caller, seg[1], dataOf(ex), opt,
                        faults.refuseRichText())), Map.of());
            case "GET /stories/{story_gid}":
                return data(store.story(seg[1], opt));
            case "PUT /stories/{story_gid}":
                return data(store.botEditStory(caller, seg[1], dataOf(ex), opt, faults.refuseRichText()));
            case "POST /sections/{section_gid}/addTask":
                store.botAddToSection(caller, seg[1], dataOf(ex));
                return data(Map.of());
            case "GET /events":
                return Reply.ok(store.events(q.get("resource"), q.get("sync")));
            case "POST /webhooks":
                return createWebhook(dataOf(ex), opt);
            case "GET /webhooks": {
                String ws = q.get("workspace");
                if (ws == null) {
                    throw SimError.badRequest("workspace: Missing input");
                }
                if (!ws.equals(store.workspaceGid())) {
                    throw SimError.notFound("workspace");
                }
                SimStore.Page p = store.pageOfMaps(listing, webhooks.listByGid(q.get("resource")), opt, h -> {
                    Map<String, Object> c = new LinkedHashMap<>();
                    for (String k : List.of("gid", "resource_type", "active", "resource", "target")) {
                        c.put(k, h.get(k));
                    }
                    return c;
                });
                return page(p);
            }
            case "GET /webhooks/{webhook_gid}":
                return data(shape(webhooks.get(seg[1]), opt));
            case "DELETE /webhooks/{webhook_gid}":
                webhooks.delete(seg[1]);
                return data(Map.of());
            default:
                return error(404, "No matching route for request");
        }
    }

    @SuppressWarnings("unchecked")
    private Reply createWebhook(Map<String, Object> d, OptFields opt) {
        String resource = SimStore.str(d.get("resource"));
        String target = SimStore.str(d.get("target"));
        if (resource == null) {
            throw SimError.badRequest("resource: Missing input");
        }
        if (target == null) {
            throw SimError.badRequest("target: Missing input");
        }
        Map<String, Object> ref = store.resourceRef(resource);
        if (ref == null) {
            throw SimError.notFound("resource");
        }
        List<Map<String, Object>> filters = new ArrayList<>();
        if (d.get("filters") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m) {
                    filters.add(new LinkedHashMap<>((Map<String, Object>) m));
                }
            }
        }
        Map<String, Object> created = webhooks.create(store.gid(), ref, target, filters);
        return new Reply(201, Map.of("data", shape(created, opt)), Map.of());
    }

    private static Map<String, Object> shape(Map<String, Object> full, OptFields opt) {
        return opt == null ? full : opt.apply(full);
    }

    private static Reply data(Object d) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", d);
        return Reply.ok(body);
    }

    private static Reply page(SimStore.Page p) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", p.data());
        if (p.paged()) {
            body.put("next_page", p.nextPage());
        }
        return Reply.ok(body);
    }

    private Map<String, Object> dataOf(HttpExchange ex) throws IOException {
        Map<String, Object> body = body(ex);
        Object d = body.get("data");
        if (!(d instanceof Map)) {
            throw SimError.badRequest("data: Missing input");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) d;
        return m;
    }

    private Map<String, Object> body(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] raw = in.readAllBytes();
            if (raw.length == 0) {
                return new LinkedHashMap<>();
            }
            try {
                Map<String, Object> m = json.readValue(raw, new TypeReference<LinkedHashMap<String, Object>>() {
                });
                return m == null ? new LinkedHashMap<>() : m;
            } catch (IOException e) {
                throw SimError.badRequest("Could not parse request data, invalid JSON");
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            q.put(k, v);
        }
        return q;
    }

    // ---- control API -------------------------------------------------------------------------

    private Reply control(HttpExchange ex, String rest) throws IOException {
        String method = ex.getRequestMethod();
        String[] s = rest.replaceAll("^/+|/+$", "").split("/");
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        try {
            if (s.length == 1) {
                switch (method + " " + s[0]) {
                    case "POST reset":
                        return Reply.ok(resetMap(SimOptions.fromMap(body(ex))));
                    case "POST users":
                        return Reply.ok(store.createUser(body(ex)));
                    case "GET world":
                        return Reply.ok(store.world());
                    case "POST tasks":
                        return Reply.ok(store.personCreateTask(body(ex)));
                    case "POST faults":
                        faults = SimFaults.fromMap(body(ex));
                        return Reply.ok(faults.toMap());
                    case "GET faults":
                        return Reply.ok(faults.toMap());
                    case "GET requests": {
                        Map<String, Object> out = new LinkedHashMap<>();
                        out.put("counts", requests.counts());
                        out.put("total", requests.total());
                        if ("true".equals(q.get("log"))) {
                            out.put("log", requests.entries());
                        }
                        return Reply.ok(out);
                    }
                    case "DELETE requests":
                        requests.clear();
                        return Reply.ok(Map.of("counts", new TreeMap<>(), "total", 0));
                    case "GET dump":
                        return Reply.ok(store.dump());
                    case "GET webhooks": {
                        List<Map<String, Object>> hooks = new ArrayList<>();
                        for (Map<String, Object> h : webhooks.list(null)) {
                            Map<String, Object> m = new LinkedHashMap<>(h);
                            m.put("secret", webhooks.secretOf((String) h.get("gid")));
                            hooks.add(m);
                        }
                        return Reply.ok(Map.of("data", hooks));
                    }
                    default:
                        break;
                }
            }
            if (s.length == 2 && s[0].equals("events") && s[1].equals("expire") && method.equals("POST")) {
                store.expireTokens();
                return Reply.ok(Map.of());
            }
            if (s.length == 3 && s[0].equals("projects") && s[2].equals("custom_fields") && method.equals("POST")) {
                return Reply.ok(store.personAddEnumField(s[1], body(ex)));
            }
            if (s.length >= 2 && s[0].equals("tasks")) {
                String gid = s[1];
                String action = s.length == 3 ? s[2] : "";
                switch (method + " " + action) {
                    case "POST ":
                        return Reply.ok(store.personChangeTask(gid, body(ex)));
                    case "DELETE ":
                        return Reply.ok(store.personDeleteTask(gid, body(ex)));
                    case "POST undelete":
                        return Reply.ok(store.personUndeleteTask(gid, body(ex)));
                    case "POST comments":
                        return Reply.ok(store.personComment(gid, body(ex)));
                    case "GET stories":
                        return Reply.ok(Map.of("data", store.allStories(gid)));
                    case "GET field_history":
                        return Reply.ok(Map.of("data", store.fieldHistory(gid)));
                    default:
                        break;
                }
            }
            return error(404, "No such control call: " + method + " /_sim" + rest);
        } catch (SimError e) {
            return error(e.status, e.getMessage());
        } catch (IllegalArgumentException e) {
            return error(400, e.getMessage());
        }
    }
}
