package aegis.status;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.cli.Main;
import aegis.config.Settings;
import aegis.governance.Actor;
import aegis.governance.PauseControl;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The execution history over HTTP (JSON and page) and the command line, live and archived rows
 * together, against a real database; rows are written as dispatch and retention write them.
 */
class ExecutionHistoryTest {
    private static final String HOSTILE = "<img src=x onerror=alert(1)> & \"quotes\"";
    private static TestDatabase.Schema schema;
    private static TestApp app;
    private static long archivedId;
    private static long withEventsId;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void setUp() throws Exception {
        schema = TestDatabase.freshSchema("exec_history");
        app = TestApp.start(TestApp.config(schema.database(), URI.create("http://127.0.0.1:1")),
                Map.of("aegis.jobs.enabled", "false", "aegis.sync.enabled", "false",
                        "aegis.webhooks.enabled", "false", "aegis.dispatch.enabled", "false"));
        schema.execute("""
            INSERT INTO projects (asana_gid, name) VALUES ('100', 'P');
            INSERT INTO tasks (asana_gid, project_id, name, permalink_url) VALUES
              ('201', (SELECT id FROM projects), 'Write the launch notes', 'https://app.asana.com/0/100/201'),
              ('202', (SELECT id FROM projects), $h$%s$h$, 'https://app.asana.com/0/100/202');
            INSERT INTO prompt_templates (name, agent_type, version, user_prompt_template, active)
              VALUES ('ops-notes', 'echo', 3, '{{task}}', false);
            -- archived: moved by retention long ago, every column intact
            INSERT INTO task_executions_archive (id, task_id, status, outcome, agent_type, finished_at, created_at,
                                                 cost_usd, input_tokens, output_tokens, result)
              OVERRIDING SYSTEM VALUE
              VALUES (1, (SELECT id FROM tasks WHERE asana_gid = '201'), 'completed', 'done', 'echo',
                      now() - interval '3 days', now() - interval '3 days', 0.5, 10, 20, 'an old answer'),
                     (2, (SELECT id FROM tasks WHERE asana_gid = '201'), 'failed', 'failed', 'echo',
                      now() - interval '3 days', now() - interval '3 days', 0, 0, 0, NULL);
            SELECT setval(pg_get_serial_sequence('task_executions', 'id'), 10);
            INSERT INTO task_executions (task_id, status, outcome, agent_type, finished_at, created_at, cost_usd,
                                         input_tokens, output_tokens, duration_ms, attempt)
              SELECT (SELECT id FROM tasks WHERE asana_gid = '201'), 'completed', 'done', 'echo', now(),
                     now() - make_interval(mins => g), 0.01 * g, 100 * g, 10 * g, 1000 * g, 1
                FROM generate_series(1, 4) g;
            INSERT INTO task_executions (task_id, status, outcome, agent_type, finished_at, error, result, attempt,
                                         prompt_template_id, prompt_version, answer_story_gid, duration_ms)
              VALUES ((SELECT id FROM tasks WHERE asana_gid = '202'), 'failed', 'failed', 'echo', now(),
                      'the agent said no', $h$</pre><script>alert(2)</script>$h$, 2,
                      (SELECT id FROM prompt_templates WHERE name = 'ops-notes'), 3, '9001', 194000);
            INSERT INTO agent_events (execution_id, event_type, level, message, data) VALUES
              ((SELECT max(id) FROM task_executions), 'started', 'info', 'attempt 2', '{"attempt": 2}'),
              ((SELECT max(id) FROM task_executions), 'failed', 'error', $h$<b>bold</b> failure$h$, '{}');
            """.formatted(HOSTILE));
        archivedId = 1;
        withEventsId = 15;
    }

    @AfterAll
    static void tearDown() {
        if (app != null) {
            app.close();
        }
        schema.drop();
    }

    @Test
    void pagesThroughLiveAndArchivedNewestFirstByCursor() throws Exception {
        List<Long> ids = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = ok("/executions?limit=3" + (cursor == null ? "" : "&cursor=" + cursor));
            page.path("executions").forEach(e -> ids.add(e.path("id").asLong()));
            cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(ids).as("every execution once, newest first, archive included").containsExactly(15L, 14L, 13L,
                12L, 11L, 2L, 1L);
        assertThat(pages).isEqualTo(3);

        JsonNode first = ok("/executions?limit=1").path("executions").get(0);
        assertThat(first.path("task_gid").asText()).isEqualTo("202");
        assertThat(first.path("task_name").asText()).isEqualTo(HOSTILE);
        assertThat(first.path("status").asText()).isEqualTo("failed");
        assertThat(first.path("archived").asBoolean()).isFalse();
        JsonNode last = ok("/executions?cursor=2").path("executions");
        assertThat(last).hasSize(1);
        assertThat(last.get(0).path("archived").asBoolean()).isTrue();
        assertThat(last.get(0).path("cost_usd").asText()).isEqualTo("0.500000");
    }

    @Test
    void filtersByStatusTaskAndAge() throws Exception {
        assertThat(ids(ok("/executions?status=failed"))).containsExactly(15L, 2L);
        assertThat(ids(ok("/executions?task=202"))).containsExactly(15L);
        assertThat(ids(ok("/executions?since=1d"))).containsExactly(15L, 14L, 13L, 12L, 11L);
        assertThat(ids(ok("/executions?since=1d&status=completed&task=201"))).containsExactly(14L, 13L, 12L, 11L);
        assertThat(ids(ok("/executions?task=999"))).isEmpty();
    }

    @Test
    void badParametersAreClear400s() throws Exception {
        Map<String, String> cases = Map.of(
                "/executions?status=finished", "status must be one of",
                "/executions?limit=0", "limit must be between 1 and 500",
                "/executions?limit=ten", "limit must be a whole number",
                "/executions?since=soon", "since must be a duration",
                "/executions?cursor=abc", "cursor must be the next_cursor",
                "/executions?task=abc", "task must be an Asana task gid",
                "/executions/abc", "an execution id is a number");
        for (var c : cases.entrySet()) {
            HttpResponse<String> r = get(c.getKey());
            assertThat(r.statusCode()).as(c.getKey()).isEqualTo(400);
            assertThat(json.readTree(r.body()).path("error").asText()).as(c.getKey()).contains(c.getValue());
        }
        HttpResponse<String> missing = get("/executions/424242");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("no execution 424242");
        assertThat(get("/runs/424242").statusCode()).isEqualTo(404);
    }

    @Test
    void oneRunInFullLiveOrArchived() throws Exception {
        JsonNode d = ok("/executions/" + withEventsId);
        assertThat(d.path("execution").path("task_url").asText()).isEqualTo("https://app.asana.com/0/100/202");
        assertThat(d.path("execution").path("bot").asText()).as("the bot that ran it").isEqualTo("aegis");
        assertThat(d.path("prompt").path("name").asText()).isEqualTo("ops-notes");
        assertThat(d.path("prompt").path("version").asInt()).isEqualTo(3);
        assertThat(d.path("error").asText()).isEqualTo("the agent said no");
        assertThat(d.path("result").asText()).isEqualTo("</pre><script>alert(2)</script>");
        assertThat(d.path("answer_story_gid").asText()).isEqualTo("9001");
        assertThat(d.path("timeline")).hasSize(2);
        assertThat(d.path("timeline").get(0).path("type").asText()).isEqualTo("started");
        assertThat(d.path("timeline").get(0).path("data").path("attempt").asInt()).as("data is JSON, not a string")
                .isEqualTo(2);
        assertThat(d.path("timeline").get(1).path("level").asText()).isEqualTo("error");

        JsonNode a = ok("/executions/" + archivedId);
        assertThat(a.path("execution").path("archived").asBoolean()).isTrue();
        assertThat(a.path("result").asText()).isEqualTo("an old answer");
        assertThat(a.path("timeline")).isEmpty();
        assertThat(a.path("timeline_note").asText()).contains("summarised");
    }

    @Test
    void thePageEscapesWhatAsanaAndAgentsWrote() throws Exception {
        HttpResponse<String> index = get("/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.body()).contains("&lt;img src=x onerror=alert(1)&gt; &amp; \"quotes\"")
                .doesNotContain("<img src=x").contains("href=\"/runs/15\"")
                .contains("href=\"https://app.asana.com/0/100/201\"");
        HttpResponse<String> run = get("/runs/" + withEventsId);
        assertThat(run.statusCode()).isEqualTo(200);
        assertThat(run.body()).doesNotContain("<script>").doesNotContain("<b>bold</b>")
                .contains("&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;").contains("&lt;b&gt;bold&lt;/b&gt; failure")
                .contains("ops-notes version 3").contains("3 m 14 s");
        assertThat(get("/runs/" + archivedId).body()).contains("archived").contains("an old answer");
        assertThat(get("/?cursor=12").body()).contains("href=\"/runs/11\"").doesNotContain("href=\"/runs/13\"");
    }

    @Test
    void thePageSaysWhenTheBotIsPaused() throws Exception {
        assertThat(get("/").body()).contains("id=\"not-paused\"").doesNotContain("id=\"paused\"");
        PauseControl pause = app.context().getBean(PauseControl.class);
        pause.pause(new Actor("unix:ops"), Optional.empty(), "<b>release freeze</b>", false);
        try {
            assertThat(get("/").body()).contains("id=\"paused\"").contains("Paused by unix:ops since ")
                    .contains("&lt;b&gt;release freeze&lt;/b&gt;").doesNotContain("<b>release");
        } finally {
            pause.resume(new Actor("unix:ops"), Optional.empty());
        }
    }

    @Test
    void thePageShowsEachSpendingCapWithWhatIsLeft() throws Exception {
        assertThat(get("/").body()).contains("No spending caps");
        aegis.governance.BudgetCaps caps = aegis.governance.BudgetCaps.inDatabase(app.context().getBean(aegis.db.Jdbc.class));
        caps.set(aegis.governance.BudgetScope.GLOBAL, aegis.governance.BudgetPeriod.DAY, new java.math.BigDecimal("5"),
                new Actor("unix:ops"), null);
        try {
            assertThat(get("/").body()).contains("<table id=\"budgets\">").contains("global per day")
                    .contains("$5.000000").doesNotContain("No spending caps");
        } finally {
            try (var c = schema.connect(); var st = c.createStatement()) {
                st.execute("TRUNCATE budget_caps");
            }
        }
    }

    @Test
    void theCommandLineSaysTheSame() throws Exception {
        String list = cli("executions", "--limit", "3");
        assertThat(list).contains("ID").contains("Write the launch notes").contains("completed · done")
                .contains("$0.04").contains("more: ");
        assertThat(list.lines().filter(l -> l.matches("^1[1-5] .*")).count()).isEqualTo(3);
        assertThat(cli("executions", "--status", "failed", "--json")).contains("\"id\" : 15").contains("\"id\" : 2")
                .doesNotContain("\"id\" : 14");
        String show = cli("executions", "show", String.valueOf(withEventsId));
        assertThat(show).contains("Execution 15: failed").contains("https://app.asana.com/0/100/202")
                .contains("ops-notes version 3").contains("started: attempt 2").contains("the agent said no")
                .contains("</pre><script>alert(2)</script>");
        assertThat(cli("executions", "show", "1")).contains("(archived)").contains("an old answer");
    }

    private static String cli(String... args) {
        Settings settings = Settings.of(Map.of("AEGIS_DATABASE_URL", schema.database().url(),
                "AEGIS_DATABASE_USER", schema.database().user(), "AEGIS_DATABASE_PASSWORD", schema.database().password()));
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertThat(Main.execute(settings, args)).as(String.join(" ", args)).isZero();
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            System.setOut(old);
        }
    }

    private static List<Long> ids(JsonNode page) {
        List<Long> out = new ArrayList<>();
        page.path("executions").forEach(e -> out.add(e.path("id").asLong()));
        return out;
    }

    private JsonNode ok(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return json.readTree(r.body());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(app.adminUri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

}
