package aegis.dispatch;

import static aegis.testing.Eventually.freePort;
import static aegis.testing.Eventually.await;
import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import aegis.webhook.SecretBox;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * bench/dispatch-latency: from a person assigning a task to the bot in the simulator to the
 * agent starting, through the whole product path — the simulator's webhook delivery, the
 * receiver, the inbox processor, the task fetch and upsert, the signal, the enqueue, the
 * wake-up, the claim — in one daemon with sync, webhooks and dispatch running. The agent's
 * start is the timestamp of its {@code started} event (taken when the event happens, on
 * the same clock as the assignment's). Assignments are made one at a time, each after the
 * previous one's agent started; the echo agent answers meanwhile, so answers and their
 * webhooks overlap the next assignment as they would in use. Prints one JSON object.
 */
public final class DispatchLatencyBench {
    private static final String KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    private DispatchLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        int samples = Integer.getInteger("bench.samples", 200);
        int warmup = Integer.getInteger("bench.warmup", 20);
        long gapMs = Long.getLong("bench.gap.ms", 50);
        TestDatabase.Schema schema = TestDatabase.freshSchema("bench_latency");
        try (AsanaSimulator sim = AsanaSimulator.start(0, SimOptions.of("empty").withProjects(1, 0))) {
            AsanaSimulator.SimWorld w = sim.world();
            String project = w.projects().get(0);
            List<String> gids = new ArrayList<>();
            for (int i = 0; i < warmup + samples; i++) {
                gids.add((String) sim.createTask(Map.of("project", project, "name", "Latency probe " + i)).get("gid"));
            }
            int port = freePort();
            // Rate limit out of the way: this measures the path, not Asana's quota.
            AegisConfig config = new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(), w.token(),
                    w.workspace(), Optional.empty(), List.of(project), 100_000),
                    Optional.of(URI.create("http://127.0.0.1:" + port)), port);
            Map<String, Object> s = new HashMap<>();
            s.put(SecretBox.SETTING, KEY);
            s.put("AEGIS_DEFAULT_AGENT", "echo");
            s.put("AEGIS_ECHO_DELAY_MS", "0");
            try (TestApp app = TestApp.start(config, Settings.of(s), Map.of("aegis.jobs.enabled", "false"));
                 Connection c = schema.connect()) {
                await("the webhook", Duration.ofSeconds(60), () -> count(c,
                        "SELECT count(*) FROM webhook_subscriptions WHERE status = 'active'") == 1
                        && count(c, "SELECT count(*) FROM tasks") == gids.size());
                List<Long> ms = new ArrayList<>();
                List<long[]> stages = new ArrayList<>();
                for (int i = 0; i < gids.size(); i++) {
                    String gid = gids.get(i);
                    Instant assigned = Instant.now();
                    sim.changeTask(gid, Map.of("assignee", w.botUser()));
                    Instant started = awaitStart(c, gid, Duration.ofSeconds(30));
                    if (i >= warmup) {
                        ms.add(Duration.between(assigned, started).toNanos() / 1_000_000);
                        stages.add(stages(c, gid, assigned));
                    }
                    Thread.sleep(gapMs);
                }
                List<Long> sorted = ms.stream().sorted().toList();
                String[] names = {"webhook stored", "execution enqueued", "claimed", "agent started"};
                StringBuilder b = new StringBuilder("dispatch-latency stage medians (ms since assignment):");
                for (int k = 0; k < names.length; k++) {
                    int stage = k;
                    b.append(' ').append(names[k]).append('=').append(percentile(
                            stages.stream().map(x -> x[stage]).sorted().toList(), 50));
                }
                System.err.println(b);
                System.err.println("dispatch-latency ms: min=" + sorted.get(0) + " max=" + sorted.get(sorted.size() - 1));
                System.out.printf(Locale.ROOT, "{\"samples\":%d,\"p50_ms\":%d,\"p99_ms\":%d}%n", sorted.size(),
                        percentile(sorted, 50), percentile(sorted, 99));
            }
        } finally {
            schema.drop();
        }
    }

    static long percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    /** Milliseconds from the assignment to: the delivery stored, the execution enqueued, claimed, the agent started. */
    private static long[] stages(Connection c, String gid, Instant assigned) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT (SELECT min(w.received_at) FROM webhooks w WHERE w.received_at >= ?
                          AND w.payload @> jsonb_build_object('events', jsonb_build_array(
                              jsonb_build_object('resource', jsonb_build_object('gid', t.asana_gid))))),
                       e.created_at, e.started_at,
                       (SELECT min(ev.created_at) FROM agent_events ev
                         WHERE ev.execution_id = e.id AND ev.event_type = 'started')
                  FROM tasks t JOIN task_executions e ON e.task_id = t.id
                 WHERE t.asana_gid = ? ORDER BY e.id LIMIT 1""")) {
            ps.setTimestamp(1, Timestamp.from(assigned));
            ps.setString(2, gid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long[] out = new long[4];
                for (int k = 0; k < 4; k++) {
                    Timestamp at = rs.getTimestamp(k + 1);
                    out[k] = at == null ? -1 : Duration.between(assigned, at.toInstant()).toNanos() / 1_000_000;
                }
                return out;
            }
        }
    }

    private static Instant awaitStart(Connection c, String gid, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT min(ev.created_at) FROM agent_events ev
                  JOIN task_executions e ON e.id = ev.execution_id
                  JOIN tasks t ON t.id = e.task_id
                 WHERE t.asana_gid = ? AND ev.event_type = 'started'""")) {
            ps.setString(1, gid);
            while (System.nanoTime() < end) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    Timestamp at = rs.getTimestamp(1);
                    if (at != null) {
                        return at.toInstant();
                    }
                }
                Thread.sleep(5);
            }
        }
        throw new IllegalStateException("no agent started for task " + gid + " within " + max);
    }

    private static long count(Connection c, String sql) {
        try (var st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

}
