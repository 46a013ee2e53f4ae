package aegis.status;

import aegis.governance.SystemStateRefresh;
import aegis.metrics.Metrics;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.jobs.PeriodicTaskRunner;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /status, /, /metrics and the API keys, against a real database. */
class StatusEndpointsTest {
    private static TestDatabase.Schema schema;
    private static TestApp app;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void setUp() throws Exception {
        schema = TestDatabase.freshSchema("status");
        app = TestApp.start(TestApp.config(schema.database(), URI.create("http://127.0.0.1:1")),
                Map.of("aegis.jobs.enabled", "false", "aegis.sync.enabled", "false",
                        "aegis.webhooks.enabled", "false", "aegis.dispatch.enabled", "false",
                        // the snapshot is refreshed by the tests, when they mean it to be
                        "aegis.metrics.gauges-interval", "1h"));
        sql("""
            INSERT INTO projects (asana_gid, name, last_synced_at, last_events_at)
              VALUES ('p1', 'P', now() - interval '1 hour', now() - interval '5 seconds');
            INSERT INTO tasks (asana_gid, project_id) SELECT 't' || g, (SELECT id FROM projects) FROM generate_series(1, 6) g;
            INSERT INTO agents (name, agent_type, status, instance_id) VALUES
              ('w1', 'command', 'busy', 'n1'), ('w2', 'command', 'idle', 'n1'), ('w3', 'http', 'stopped', 'n2');
            INSERT INTO task_executions (task_id, status, not_before) VALUES
              ((SELECT id FROM tasks WHERE asana_gid = 't1'), 'pending', now() - interval '1 minute'),
              ((SELECT id FROM tasks WHERE asana_gid = 't2'), 'pending', now() + interval '1 hour');
            INSERT INTO task_executions (task_id, status, lease_until, started_at)
              VALUES ((SELECT id FROM tasks WHERE asana_gid = 't3'), 'running', now() + interval '1 minute', now());
            INSERT INTO task_executions (task_id, status, outcome, finished_at, input_tokens, output_tokens, cost_usd) VALUES
              ((SELECT id FROM tasks WHERE asana_gid = 't4'), 'completed', 'done', now(), 1000, 200, 0.25),
              ((SELECT id FROM tasks WHERE asana_gid = 't5'), 'completed', 'done', now(), 500, 100, 0.125),
              ((SELECT id FROM tasks WHERE asana_gid = 't6'), 'failed', 'failed', now(), 10, 0, 0.001);
            -- yesterday's: in the totals, not in today's figures
            INSERT INTO task_executions (task_id, status, outcome, finished_at, created_at, cost_usd)
              VALUES ((SELECT id FROM tasks WHERE asana_gid = 't6'), 'completed', 'done', now() - interval '2 days',
                      now() - interval '2 days', 5);
            INSERT INTO webhook_subscriptions (id, resource_gid, target, status, last_heartbeat_at, created_at) VALUES
              ('00000000-0000-0000-0000-000000000001', 'p1', 'https://x/1', 'active', now() - interval '1 hour', now() - interval '2 days'),
              ('00000000-0000-0000-0000-000000000002', 'p2', 'https://x/2', 'active', now() - interval '20 hours', now() - interval '2 days'),
              ('00000000-0000-0000-0000-000000000003', 'p3', 'https://x/3', 'failed', NULL, now());
            UPDATE webhook_subscriptions SET last_delivery_at = now() - interval '10 minutes'
             WHERE id = '00000000-0000-0000-0000-000000000001';
            INSERT INTO webhooks (payload, status, received_at) VALUES ('{}', 'pending', now() - interval '42 seconds');
            -- a node of this cluster checked in just now, and one of some other Quartz scheduler
            INSERT INTO qrtz_scheduler_state (sched_name, instance_name, last_checkin_time, checkin_interval) VALUES
              ('aegis', 'node-a', floor(extract(epoch FROM now()) * 1000)::bigint, 5000),
              ('other', 'node-x', floor(extract(epoch FROM now()) * 1000)::bigint, 5000);
            """);
    }

    @AfterAll
    static void tearDown() {
        if (app != null) {
            app.close();
        }
        schema.drop();
    }

    @Test
    void statusAgreesWithTheDatabase() throws Exception {
        app.context().getBean(SystemStateRefresh.class).run();
        HttpResponse<String> r = get("/status", null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).contains("application/json"));
        JsonNode s = json.readTree(r.body());

        assertThat(s.path("orchestrator").path("status").asText()).isEqualTo("running");
        String id = app.context().getBean(aegis.dispatch.DispatchSettings.class).instanceId();
        assertThat(s.path("instance").asText()).as("the id this process's leases and agents rows carry").isEqualTo(id);
        assertThat(s.path("orchestrator").path("instance_id").asText()).isEqualTo(id);
        assertThat(s.path("orchestrator").path("total_executions").asLong()).isEqualTo(longOf("SELECT count(*) FROM task_executions"));
        assertThat(new BigDecimal(s.path("orchestrator").path("total_cost_usd").asText()))
                .isEqualByComparingTo(decimalOf("SELECT sum(cost_usd) FROM task_executions"));
        assertThat(s.path("orchestrator").path("active_agents").asInt()).isEqualTo(2);
        assertThat(s.path("orchestrator").path("pid").asLong()).isEqualTo(ProcessHandle.current().pid());

        for (String st : new String[] {"pending", "running", "completed", "failed", "cancelled"}) {
            assertThat(s.path("queue").path(st).asLong()).as(st)
                    .isEqualTo(longOf("SELECT count(*) FROM task_executions WHERE status = '" + st + "'"));
        }
        String today = " FROM task_executions WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'";
        assertThat(s.path("today").path("executions").asLong()).isEqualTo(longOf("SELECT count(*)" + today)).isEqualTo(6);
        assertThat(new BigDecimal(s.path("today").path("cost_usd").asText()))
                .isEqualByComparingTo(decimalOf("SELECT sum(cost_usd)" + today)).isEqualByComparingTo("0.376");
        assertThat(s.path("today").path("input_tokens").asLong()).isEqualTo(1510);

        assertThat(s.path("agents").path("total").asLong()).isEqualTo(longOf("SELECT count(*) FROM agents"));
        assertThat(s.path("agents").path("by_status").path("busy").asLong()).isEqualTo(1);
        assertThat(s.path("agents").path("list").get(0).path("name").asText()).isEqualTo("w1");

        JsonNode subs = s.path("webhooks").path("subscriptions");
        assertThat(subs).hasSize(3);
        assertThat(subs.get(0).path("health").asText()).isEqualTo("ok");
        assertThat(subs.get(1).path("health").asText()).isEqualTo("stale");
        assertThat(subs.get(2).path("health").asText()).isEqualTo("failed");
        assertThat(s.path("webhooks").path("inbox").path("pending").asLong()).isEqualTo(1);
        assertThat(s.path("webhooks").path("inbox").path("oldest_pending_seconds").asLong()).isBetween(42L, 100L);

        // The last syncs are derived from their owners' records: nothing else writes them.
        assertThat(java.time.Instant.parse(s.path("last_syncs").path("full_sync_at").asText()).toEpochMilli())
                .isEqualTo(longOf("SELECT floor(extract(epoch FROM max(last_synced_at)) * 1000)::bigint FROM projects"));
        assertThat(java.time.Instant.parse(s.path("last_syncs").path("events_poll_at").asText()).toEpochMilli())
                .isEqualTo(longOf("SELECT floor(extract(epoch FROM max(last_events_at)) * 1000)::bigint FROM projects"));
        assertThat(java.time.Instant.parse(s.path("last_syncs").path("webhook_at").asText()).toEpochMilli())
                .isEqualTo(longOf("SELECT floor(extract(epoch FROM max(last_delivery_at)) * 1000)::bigint "
                        + "FROM webhook_subscriptions"));
        assertThat(s.path("nodes")).hasSize(1);
        assertThat(s.path("nodes").get(0).path("instance").asText()).isEqualTo("node-a");
        assertThat(s.path("nodes").get(0).path("alive").asBoolean()).isTrue();

        assertThat(s.path("version").asText()).isNotBlank();
        assertThat(s.path("uptime_seconds").asLong()).isGreaterThanOrEqualTo(0);

        HttpResponse<String> page = get("/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("id=\"orchestrator-state\">running</span>")
                .contains("pending 2 · held 0 · awaiting_approval 0 · running 1 · completed 3 · failed 1");
    }

    @Test
    void apiKeyFlow() throws Exception {
        assertThat(get("/status", null).statusCode()).as("open while no key exists").isEqualTo(200);
        ApiKeys keys = app.context().getBean(ApiKeys.class);
        ApiKeys.Created k = keys.create("ops-test");
        assertThat(k.key()).startsWith("aegis_").hasSizeGreaterThan(40);
        assertThat(longOf("SELECT count(*) FROM api_keys WHERE key_hash = '" + k.key() + "' OR key_prefix = '" + k.key() + "'"))
                .as("the key itself is not stored").isZero();
        try {
            assertThat(get("/status", null).statusCode()).isEqualTo(401);
            HttpResponse<String> challenged = get("/", null);
            assertThat(challenged.statusCode()).isEqualTo(401);
            assertThat(challenged.headers().allValues("www-authenticate")).as("a browser asks for the key")
                    .anySatisfy(v -> assertThat(v).startsWith("Basic realm=\"aegis\""))
                    .anySatisfy(v -> assertThat(v).startsWith("Bearer"));
            assertThat(get("/status", "aegis_wrong").statusCode()).isEqualTo(401);
            HttpResponse<String> ok = get("/status", k.key());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(get("/", k.key()).statusCode()).isEqualTo(200);
            HttpResponse<String> basic = http.send(HttpRequest.newBuilder(app.adminUri("/")).header("Authorization",
                    "Basic " + java.util.Base64.getEncoder().encodeToString(("any:" + k.key()).getBytes())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(basic.statusCode()).as("a browser sends the key as the Basic password").isEqualTo(200);
            assertThat(get("/health", null).statusCode()).as("/health stays open").isEqualTo(200);
            assertThat(get("/metrics", null).statusCode()).as("/metrics open by default").isEqualTo(200);
            assertThat(stringOf("SELECT last_used_at IS NOT NULL FROM api_keys WHERE name = 'ops-test'")).isEqualTo("t");

            ApiKeys.Created other = keys.create("ops-test-2");
            assertThat(keys.revoke("ops-test")).isTrue();
            assertThat(get("/status", k.key()).statusCode()).as("revoked").isEqualTo(401);
            assertThat(get("/status", other.key()).statusCode()).isEqualTo(200);
            assertThat(keys.list()).anySatisfy(i -> {
                assertThat(i.name()).isEqualTo("ops-test");
                assertThat(i.active()).isFalse();
            });
            assertThat(keys.revoke("ops-test-2")).isTrue();
        } finally {
            sql("UPDATE api_keys SET active = false");
        }
        assertThat(get("/status", null).statusCode()).as("open again once no key is active").isEqualTo(200);
    }

    @Test
    void metricsMoveAfterActivity() throws Exception {
        String before = get("/metrics", null).body();
        Metrics m = app.context().getBean(Metrics.class);
        m.webhookReceived(false);
        m.webhookRejected("signature");
        m.asanaRequest("GET", "ok");
        m.executionFinished("done", Duration.ofMillis(1500));
        m.agentUsage(1000, 250, new BigDecimal("0.05"));
        assertThat(app.context().getBean(PeriodicTaskRunner.class).run("system-state")).isTrue();
        app.context().getBean(DatabaseGauges.class).refresh();

        HttpResponse<String> r = get("/metrics", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        String after = r.body();
        assertThat(value(after, "aegis_webhook_deliveries_total{reason=\"events\",result=\"received\"}"))
                .isEqualTo(value(before, "aegis_webhook_deliveries_total{reason=\"events\",result=\"received\"}") + 1);
        assertThat(value(after, "aegis_webhook_deliveries_total{reason=\"signature\",result=\"rejected\"}")).isGreaterThanOrEqualTo(1);
        assertThat(value(after, "aegis_asana_requests_total{method=\"GET\",outcome=\"ok\"}")).isGreaterThanOrEqualTo(1);
        assertThat(value(after, "aegis_dispatch_executions_total{outcome=\"done\"}")).isGreaterThanOrEqualTo(1);
        assertThat(value(after, "aegis_dispatch_execution_duration_seconds_sum{outcome=\"done\"}")).isGreaterThanOrEqualTo(1.5);
        assertThat(value(after, "aegis_agent_tokens_total{direction=\"input\"}")).isGreaterThanOrEqualTo(1000);
        assertThat(value(after, "aegis_agent_cost_usd_total")).isGreaterThanOrEqualTo(0.05);
        assertThat(value(after, "aegis_jobs_runs_total{outcome=\"ok\",task=\"system-state\"}"))
                .isEqualTo(value(before, "aegis_jobs_runs_total{outcome=\"ok\",task=\"system-state\"}") + 1);
        assertThat(value(after, "aegis_dispatch_queue_depth{status=\"pending\"}"))
                .isEqualTo(longOf("SELECT count(*) FROM task_executions WHERE status = 'pending'"));
        assertThat(value(after, "aegis_dispatch_queue_depth{status=\"ready\"}")).isEqualTo(1);
        assertThat(value(after, "aegis_webhook_inbox_pending")).isEqualTo(1);
        assertThat(value(after, "aegis_webhook_inbox_lag_seconds")).isGreaterThanOrEqualTo(42);
    }

    @Test
    void aScrapeServesTheGaugesSnapshotWithoutAskingTheDatabase() throws Exception {
        DatabaseGauges gauges = app.context().getBean(DatabaseGauges.class);
        gauges.refresh();
        double pending = value(get("/metrics", null).body(), "aegis_dispatch_queue_depth{status=\"pending\"}");
        sql("INSERT INTO task_executions (task_id, status) VALUES ((SELECT id FROM tasks WHERE asana_gid = 't5'), 'pending')");
        try {
            for (int i = 0; i < 3; i++) {
                assertThat(value(get("/metrics", null).body(), "aegis_dispatch_queue_depth{status=\"pending\"}"))
                        .as("scrape %d: the snapshot, not a query", i).isEqualTo(pending);
            }
            gauges.refresh();
            assertThat(value(get("/metrics", null).body(), "aegis_dispatch_queue_depth{status=\"pending\"}"))
                    .isEqualTo(pending + 1);
        } finally {
            sql("DELETE FROM task_executions WHERE task_id = (SELECT id FROM tasks WHERE asana_gid = 't5') AND status = 'pending'");
            gauges.refresh();
        }
    }

    /** A sample's value in Prometheus text; 0 when the series is absent. */
    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private HttpResponse<String> get(String path, String key) throws Exception {
        // /health is the public listener's; everything else here the admin listener's
        HttpRequest.Builder b = HttpRequest.newBuilder(path.equals("/health") ? app.uri(path) : app.adminUri(path));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void sql(String sql) throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static long longOf(String sql) throws Exception {
        return Long.parseLong(stringOf(sql));
    }

    private static BigDecimal decimalOf(String sql) throws Exception {
        return new BigDecimal(stringOf(sql));
    }

    private static String stringOf(String sql) throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
