package aegis.sync;

import aegis.testing.Eventually;
import aegis.config.AegisConfig;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * bench/sync-economy: Asana requests for a full sync of 10 projects × 1,000 tasks (tracked
 * through a portfolio) against the minimum, and requests per changed task for changes that
 * arrive by webhook. Requests are counted by the simulator. Prints one JSON object.
 *
 * <p>The minimum: 1 portfolio listing + ⌈tasks/100⌉ listing pages per project + per open task
 * of the bot its comment thread and its subtasks (2). Beyond that, a first sync spends one
 * /events call per project to obtain a sync token, so that the events poll covers every
 * change made while the listing ran.
 */
public final class SyncEconomyBench {
    private SyncEconomyBench() {
    }

    public static void main(String[] args) throws Exception {
        int projects = 10;
        int tasks = 1000;
        TestDatabase.Schema schema = TestDatabase.freshSchema("benchecon");
        try (AsanaSimulator sim = AsanaSimulator.start(0, SimOptions.of("demo").withProjects(projects, tasks)
                .withWebhookTiming(2, 100, 86_400, 28_800))) {
            AsanaSimulator.SimWorld w = sim.world();
            int port = Eventually.freePort();
            AegisConfig base = SimHarness.config(schema, sim, port, true);
            AegisConfig config = new AegisConfig(base.database(), new AegisConfig.Asana(sim.baseUrl(), w.token(),
                    w.workspace(), Optional.of(w.portfolio()), List.of(), 100_000), base.publicUrl(), port);

            long fullSync;
            long botOpen;
            try (TestApp app = SimHarness.start(config, SimHarness.settings(Map.of()), false)) {
                sim.requests().clear();
                long t0 = System.nanoTime();
                app.context().getBean(FullSync.class).run(Optional.empty(), true);
                System.err.printf("full sync: %.1f s%n", (System.nanoTime() - t0) / 1e9);
                fullSync = sim.requests().total() - sim.requests().count("GET", "/users/me");
                System.err.println("full sync requests: " + sim.requests().counts());
                botOpen = SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE assignee_gid = '" + w.botUser()
                        + "' AND NOT completed AND NOT deleted AND parent_gid IS NULL");
            }
            long pages = (long) projects * ((tasks + 99) / 100);
            long minimum = 1 + pages + 2 * botOpen;

            long perChangeRequests;
            int changed;
            try (TestApp app = SimHarness.start(config, SimHarness.settings(Map.of()), true)) {
                Eventually.await("webhooks", Duration.ofSeconds(120), () -> SimHarness.count(schema,
                        "SELECT count(*) FROM webhook_subscriptions WHERE status = 'active'") == projects);
                Thread.sleep(500);
                sim.requests().clear();
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> ps = (List<Map<String, Object>>) sim.dump().get("projects");
                List<String> gids = new ArrayList<>();
                for (Map<String, Object> p : ps) {
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> ts = (List<Map<String, Object>>) p.get("tasks");
                    for (int i = 100; i < 105; i++) {
                        gids.add((String) ts.get(i).get("gid"));
                    }
                }
                // 50 tasks: 20 renamed, 10 completed, 10 assigned to the bot, 10 of those commented on.
                for (int i = 0; i < 20; i++) {
                    sim.changeTask(gids.get(i), Map.of("name", "renamed " + i));
                }
                for (int i = 20; i < 30; i++) {
                    sim.changeTask(gids.get(i), Map.of("completed", true));
                }
                for (int i = 30; i < 40; i++) {
                    sim.changeTask(gids.get(i), Map.of("assignee", w.botUser()));
                }
                Eventually.await("assignments mirrored", Duration.ofSeconds(30), () -> SimHarness.count(schema,
                        "SELECT count(*) FROM tasks WHERE assignee_gid = '" + w.botUser() + "' AND name NOT LIKE 'x%'")
                        >= botOpen + 10);
                for (int i = 30; i < 40; i++) {
                    sim.comment(gids.get(i), "question " + i);
                }
                changed = 40;
                Eventually.await("changes mirrored", Duration.ofSeconds(30), () -> SimHarness.count(schema,
                        "SELECT count(*) FROM tasks WHERE name LIKE 'renamed %'") == 20
                        && SimHarness.count(schema, "SELECT count(*) FROM comments WHERE text LIKE 'question %'") == 10
                        && SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE completed AND asana_gid = ANY('{"
                        + String.join(",", gids.subList(20, 30)) + "}')") == 10);
                Thread.sleep(300);
                perChangeRequests = sim.requests().total();
                System.err.println("webhook-driven requests: " + sim.requests().counts());
            }
            System.out.printf("{\"projects\":%d,\"tasks_per_project\":%d,\"open_bot_tasks\":%d,"
                            + "\"full_sync_requests\":%d,\"minimum_requests\":%d,\"ratio\":%.3f,"
                            + "\"sync_token_requests\":%d,\"changed_tasks\":%d,\"change_requests\":%d,"
                            + "\"requests_per_change\":%.2f}%n", projects, tasks, botOpen, fullSync, minimum,
                    (double) fullSync / minimum, projects, changed, perChangeRequests,
                    (double) perChangeRequests / changed);
        } finally {
            schema.drop();
        }
    }
}
