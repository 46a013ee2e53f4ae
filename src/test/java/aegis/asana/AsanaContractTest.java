package aegis.asana;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.asana.AsanaModel.TaskUpdate;
import aegis.sim.AsanaSimulator;
import aegis.sim.AsanaSimulator.Exchange;
import aegis.sim.AsanaSimulator.SimWorld;
import aegis.sim.SimFaults;
import aegis.sim.SimHttp;
import aegis.sim.SimOptions;
import aegis.testing.TestHttp;
import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every kind of request the client sends, and every kind of response the simulator returns
 * (errors included), held against Asana's official OpenAPI spec.
 */
class AsanaContractTest {
    static OpenApiInteractionValidator validator;
    static AsanaSimulator sim;

    static Optional<Path> spec() {
        String shared = System.getenv("AEGIS_SHARED_DIR");
        List<Path> candidates = new ArrayList<>();
        if (shared != null && !shared.isBlank()) {
            candidates.add(Path.of(shared, "asana", "asana_oas.yaml"));
        }
        candidates.add(Path.of("..", "shared", "asana", "asana_oas.yaml"));
        return candidates.stream().filter(Files::isReadable).findFirst();
    }

    @BeforeAll
    static void load() {
        Optional<Path> spec = spec();
        Assumptions.assumeTrue(spec.isPresent(), "Asana's OpenAPI spec (../shared/asana/asana_oas.yaml, "
                + "or $AEGIS_SHARED_DIR/asana/asana_oas.yaml) is absent: contract tests skipped");
        validator = OpenApiInteractionValidator
                .createForSpecificationUrl(spec.get().toAbsolutePath().toUri().toString())
                .withBasePathOverride("/api/1.0")
                .withResolveCombinators(true)
                .build();
        sim = AsanaSimulator.start();
    }

    @AfterAll
    static void stop() {
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void everyRequestOfTheClientAndEveryResponseOfTheSimulatorFollowTheSpec() throws Exception {
        SimWorld w = sim.reset(SimOptions.demo());
        HttpServer target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        target.createContext("/hook", ex -> {
            try (ex) {
                String s = ex.getRequestHeaders().getFirst("X-Hook-Secret");
                if (s != null) {
                    ex.getResponseHeaders().set("X-Hook-Secret", s);
                }
                ex.getRequestBody().readAllBytes();
                ex.sendResponseHeaders(200, -1);
            }
        });
        target.start();
        AsanaClientSettings settings = AsanaClientSettings.defaults(sim.baseUrl(), w.token(), 100_000)
                .withRetries(2, 2, java.time.Duration.ofMillis(5), java.time.Duration.ofMillis(10));
        try (HttpAsanaClient c = TestHttp.asanaClient(settings)) {
            sim.captureExchanges(true);
            String p = w.projects().get(0);
            c.me();
            c.workspaceProjects(w.workspace()).toList();
            c.portfolioProjects(w.portfolio()).toList();
            c.project(p);
            List<AsanaModel.Section> sections = c.sections(p);
            AsanaModel.Task t = c.projectTasks(p, Optional.empty()).findFirst().orElseThrow();
            c.projectTasks(p, Optional.of(java.time.Instant.now())).toList();
            sim.createTask(Map.of("parent", t.gid(), "name", "a subtask"));
            c.task(t.gid());
            c.subtasks(t.gid()).toList();
            c.stories(t.gid()).toList();
            c.postComment(t.gid(), "Here is the answer.", "— Aegis · run 7", true);
            AsanaModel.Story rich = c.postRichComment(t.gid(), RichText.fromMarkdown(
                    "# Result\n\n**Done**, see `App.java`:\n\n- one\n- [two](https://example.com)\n\n> quoted\n\n"
                            + "```\ncode\n```", null), "— Aegis · run 8", false);
            c.updateStory(rich.gid(), "Edited in place.");
            Map<String, Object> field = sim.addEnumField(p, "Aegis status", List.of("queued", "working", "done"));
            List<AsanaModel.EnumField> fields = c.enumFields(t.gid());
            c.setEnumField(t.gid(), fields.get(0).gid(), fields.get(0).options().get(1).gid());
            assertThat(field.get("gid")).isEqualTo(fields.get(0).gid());
            sim.faults(new SimFaults(0, 0, 0, 0, 0, 1, true));
            try {
                c.postRichComment(t.gid(), "<body>refused</body>", "— Aegis · run 9", false);
            } catch (AsanaException.BadRequest expected) {
                // 400 recorded
            }
            sim.faults(SimFaults.NONE);
            c.updateTask(t.gid(), TaskUpdate.complete());
            c.updateTask(t.gid(), new TaskUpdate(false, null, true, "renamed", "new notes"));
            c.addTaskToSection(sections.get(1).gid(), t.gid());
            String fresh = null;
            try {
                c.events(p, null);
            } catch (AsanaException.InvalidSyncToken e) {
                fresh = e.freshToken();
            }
            c.updateTask(t.gid(), TaskUpdate.assignTo(w.botUser()));
            c.events(p, fresh);
            AsanaModel.Webhook hook = c.createWebhook(p, "http://127.0.0.1:" + target.getAddress().getPort()
                    + "/hook", List.of(new AsanaModel.WebhookFilter("task", null, "changed", List.of("assignee"))));
            c.webhooks(w.workspace(), Optional.of(p));
            c.deleteWebhook(hook.gid());
            // Error answers of every kind the simulator gives.
            try {
                c.task("1");
            } catch (AsanaException.NotFound expected) {
                // 404 recorded
            }
            SimHttp raw = new SimHttp(sim.rootUrl(), w.token());
            raw.get("/api/1.0/projects/" + p + "/tasks?limit=0");
            // The simulator's default (no opt_fields) representations, paged and not.
            for (String path : List.of("/users/me", "/projects/" + p, "/projects/" + p + "/tasks?limit=2",
                    "/projects/" + p + "/sections?limit=1", "/tasks/" + t.gid(), "/tasks/" + t.gid() + "/stories",
                    "/tasks/" + t.gid() + "/subtasks", "/stories/" + rich.gid(),
                    "/workspaces/" + w.workspace() + "/projects",
                    "/portfolios/" + w.portfolio() + "/items?limit=1", "/webhooks?workspace=" + w.workspace())) {
                assertThat(raw.get("/api/1.0" + path).status()).as(path).isEqualTo(200);
            }
            new SimHttp(sim.rootUrl(), "wrong").get("/api/1.0/users/me");
            sim.faults(new SimFaults(1.0, 0, 0, 0, 0, 1));
            raw.get("/api/1.0/users/me");
            sim.faults(new SimFaults(0, 1.0, 0, 0, 0, 1));
            raw.get("/api/1.0/users/me");
            sim.faults(SimFaults.NONE);
        } finally {
            target.stop(0);
        }
        List<Exchange> exchanges = sim.exchanges();
        sim.captureExchanges(false);

        List<String> problems = new ArrayList<>();
        Set<String> kinds = new TreeSet<>();
        for (Exchange e : exchanges) {
            kinds.add(e.method() + " " + e.path().replaceAll("\\d{6,}", "{gid}") + " " + e.status());
            for (ValidationReport.Message m : validate(e).getMessages()) {
                if (m.getLevel() == ValidationReport.Level.ERROR && !acceptable(e, m)) {
                    problems.add(e.method() + " " + e.path() + "?" + e.query() + " -> " + e.status() + ": "
                            + m.getKey() + ": " + m.getMessage());
                }
            }
        }
        Files.write(Path.of("target", "asana-contract-problems.txt"), problems);
        assertThat(kinds).as("kinds of exchange covered").contains(
                "GET /api/1.0/users/me 200", "GET /api/1.0/users/me 401", "GET /api/1.0/users/me 429",
                "GET /api/1.0/users/me 500", "GET /api/1.0/events 412", "GET /api/1.0/events 200",
                "POST /api/1.0/webhooks 201", "GET /api/1.0/webhooks 200", "DELETE /api/1.0/webhooks/{gid} 200",
                "POST /api/1.0/tasks/{gid}/stories 201", "PUT /api/1.0/tasks/{gid} 200",
                "POST /api/1.0/sections/{gid}/addTask 200", "GET /api/1.0/tasks/{gid}/subtasks 200",
                "GET /api/1.0/projects/{gid}/tasks 400", "GET /api/1.0/tasks/1 404",
                "PUT /api/1.0/stories/{gid} 200", "GET /api/1.0/stories/{gid} 200",
                "POST /api/1.0/tasks/{gid}/stories 400");
        assertThat(problems).as("spec violations in " + exchanges.size() + " exchanges").isEmpty();
    }

    /**
     * Requests the test provoked errors with on purpose (sent by the JDK client, not ours) are
     * not held to the spec, their answers are. A 429 is documented once for the whole API (the
     * rate-limits guide), not per operation: its body is held to the operation's 400 answer,
     * Asana's standard ErrorResponse.
     */
    static ValidationReport validate(Exchange e) {
        boolean ours = e.requestHeaders().entrySet().stream()
                .noneMatch(h -> h.getKey().equalsIgnoreCase("User-Agent")
                        && h.getValue().stream().anyMatch(v -> v.startsWith("Java-http-client")));
        com.atlassian.oai.validator.model.Response response = e.status() == 429
                ? response(new Exchange(e.method(), e.path(), e.query(), e.requestHeaders(), e.requestBody(), 400,
                        e.responseHeaders(), e.responseBody()))
                : response(e);
        Request.Method method = Request.Method.valueOf(e.method());
        return ours ? validator.validate(request(e), response)
                : validator.validateResponse(e.path(), method, response);
    }

    /**
     * The validator flags properties a schema does not declare; OpenAPI itself allows them.
     * Accepted are those Asana adds on purpose: fields asked for through {@code opt_fields}
     * (compact list schemas grow by exactly those), and {@code resource_subtype} on an event's
     * resource (Asana sends it so that comments can be told from other stories).
     */
    static boolean acceptable(Exchange e, ValidationReport.Message m) {
        if (!m.getKey().equals("validation.response.body.schema.additionalProperties")) {
            return false;
        }
        java.util.regex.Matcher props = java.util.regex.Pattern.compile("\\[(\"[^\\]]*)\\]$").matcher(m.getMessage());
        if (!props.find()) {
            return false;
        }
        Set<String> extra = new TreeSet<>();
        for (String p : props.group(1).split(",")) {
            extra.add(p.replace("\"", "").trim());
        }
        Set<String> asked = new TreeSet<>();
        if (e.query() != null) {
            for (String pair : e.query().split("&")) {
                if (pair.startsWith("opt_fields=")) {
                    for (String f : URLDecoder.decode(pair.substring(11), StandardCharsets.UTF_8).split(",")) {
                        asked.add(f.split("\\.")[0]);
                    }
                }
            }
        }
        if (asked.containsAll(extra)) {
            return true;
        }
        return e.path().endsWith("/events") && m.getMessage().contains("/resource'")
                && extra.equals(Set.of("resource_subtype"));
    }

    static Request request(Exchange e) {
        SimpleRequest.Builder b = new SimpleRequest.Builder(e.method(), e.path());
        e.requestHeaders().forEach((k, v) -> b.withHeader(k, v));
        if (e.query() != null && !e.query().isEmpty()) {
            for (String pair : e.query().split("&")) {
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                b.withQueryParam(k, v);
            }
        }
        if (!e.requestBody().isEmpty()) {
            b.withBody(e.requestBody());
        }
        return b.build();
    }

    static com.atlassian.oai.validator.model.Response response(Exchange e) {
        SimpleResponse.Builder b = SimpleResponse.Builder.status(e.status());
        e.responseHeaders().forEach(b::withHeader);
        if (!e.responseBody().isEmpty()) {
            b.withBody(e.responseBody());
        }
        return b.build();
    }
}
