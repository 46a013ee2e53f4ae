package aegis.cli;

import aegis.config.AdminListener;
import aegis.config.AegisConfig;
import aegis.config.ContextFactory;
import aegis.db.Migrator;
import aegis.config.Settings;
import aegis.sim.AsanaSimulator;
import aegis.sim.FakeLlmServer;
import aegis.sim.SimOptions;
import aegis.status.ApiKeys;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * The README's first command: the daemon against the Asana simulator and a fake LLM, on
 * a schema of its own, until every task assigned to the bot is answered in the simulator.
 */
@Command(name = "demo", description = "Runs Aegis against the Asana simulator until the bot's tasks are answered.")
final class DemoCommand implements Callable<Integer> {
    static final String SCHEMA = "aegis_demo";
    private static final String MARKER = "— Aegis · run ";
    private static final String LLM_KEY_VARIABLE = "AEGIS_DEMO_LLM_KEY";
    private static final String MODEL = "claude-demo";

    @Option(names = "--keep", description = "leave the daemon and simulator running; print the status URL and an API key")
    boolean keep;

    @Option(names = "--timeout", description = "seconds to wait for the answers (default 60)", defaultValue = "60")
    int timeoutSeconds;

    private final Settings settings;
    private final PrintStream out = System.out;

    DemoCommand(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Integer call() throws Exception {
        AegisConfig.Database server = AegisConfig.database(settings);
        AegisConfig.Database db = freshSchema(server);

        // A third project, "Docs", holds the coding task when git and bwrap are here.
        Optional<String> noCoding = DemoCodingTask.missingTool(System.getenv("PATH"));
        try (AsanaSimulator sim = AsanaSimulator.start(0, SimOptions.demo().withProjects(3, 4));
             FakeLlmServer llm = FakeLlmServer.start(0);
             DemoCodingTask coding = noCoding.isPresent() ? null : DemoCodingTask.create()) {
            AsanaSimulator.SimWorld world = sim.world();
            String docs = world.projects().get(2);
            // Docs' seeded tasks go to the person: the only task the bot gets there is the coding one.
            for (String gid : openTasksOfBot(sim, world.botUser(), docs)) {
                sim.changeTask(gid, Map.of("assignee", world.humanUser()));
            }
            int port = settings.integer("AEGIS_HTTP_PORT", 0, 0, 65535);
            if (port == 0) {
                port = freePort();
            }
            // Never the fixed default 8081: a second demo, or an installed daemon, may hold it.
            int adminPort = settings.integer(AdminListener.PORT, 0, 0, 65535);
            if (adminPort == 0) {
                adminPort = freePort();
            }
            Settings demo = demoSettings(db, sim, world, llm, port, coding).with(AdminListener.PORT, String.valueOf(adminPort));
            String statusUrl = "http://127.0.0.1:" + adminPort + "/status";
            AegisConfig config = AegisConfig.load(demo);

            long started = System.nanoTime();
            ApplicationContext ctx = ContextFactory.start(config, demo, Map.of());
            try {
                ctx.getBean(EmbeddedServer.class).start();
                out.printf("Aegis demo%n");
                out.printf("  Asana simulator  %s (workspace %s, %d projects)%n", sim.rootUrl(),
                        world.workspace(), world.projects().size());
                out.printf("  fake LLM         %s%n", llm.anthropicBaseUrl());
                out.printf("  daemon           http://127.0.0.1:%d, operators http://127.0.0.1:%d (database schema %s)%n",
                        port, adminPort, SCHEMA);
                if (coding != null) {
                    out.printf("  coding agent     %s in a git worktree, bwrap sandbox; origin %s%n",
                            coding.agentScript().getFileName(), coding.origin());
                } else {
                    out.printf("  coding agent     %s%n", noCoding.get());
                }

                // A person assigns two more tasks while the daemon runs: webhooks bring them in.
                String project = world.projects().get(0);
                sim.createTask(Map.of("project", project, "name", "Draft the release announcement",
                        "notes", "Two paragraphs for the blog, friendly tone.", "assignee", world.botUser()));
                sim.createTask(Map.of("project", world.projects().get(1),
                        "name", "Pick a launch date [question]",
                        "notes", "Which week suits marketing?", "assignee", world.botUser()));
                String codingTask = null;
                if (coding != null) {
                    codingTask = (String) sim.createTask(Map.of("project", docs, "name", DemoCodingTask.TASK_NAME,
                            "notes", DemoCodingTask.TASK_NOTES, "assignee", world.botUser())).get("gid");
                }
                List<String> botTasks = openTasksOfBot(sim, world.botUser(), null);
                out.printf("  %d tasks assigned to the bot; waiting for answers…%n%n", botTasks.size());

                boolean answered = follow(db, sim, world.botUser(), botTasks, Duration.ofSeconds(timeoutSeconds));
                summary(db, sim, world.botUser(), botTasks, System.nanoTime() - started);
                if (codingTask != null) {
                    codingAnswer(sim, world.botUser(), codingTask);
                }
                if (!answered) {
                    out.printf("%nNot every task was answered within %d s; see the log above and %s.%n",
                            timeoutSeconds, statusUrl);
                    return Main.FAILURE;
                }
                if (keep) {
                    ApiKeys.Created key = ctx.getBean(ApiKeys.class).create("demo-" + Long.toHexString(System.nanoTime()));
                    out.printf("%nStill running (--keep). Status: %s%n", statusUrl);
                    out.printf("  curl -H 'Authorization: Bearer %s' %s%n", key.key(), statusUrl);
                    out.printf("  In a browser: %s (any user name, the key as password)%n",
                            statusUrl.substring(0, statusUrl.length() - "status".length()));
                    out.printf("  Asana simulator control API: %s/_sim  (token %s)%n", sim.rootUrl(), world.token());
                    out.printf("Stop with Ctrl-C.%n");
                    CountDownLatch stop = new CountDownLatch(1);
                    Signal.handle(new Signal("TERM"), s -> stop.countDown());
                    Signal.handle(new Signal("INT"), s -> stop.countDown());
                    stop.await();
                }
                return Main.OK;
            } finally {
                ctx.close();
            }
        }
    }

    /** The demo's own schema, emptied and migrated: the demo never touches anything else. */
    private static AegisConfig.Database freshSchema(AegisConfig.Database server) throws SQLException {
        try (Connection c = DriverManager.getConnection(server.url(), server.user(), server.password());
             Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
        Migrator.migrate(server, SCHEMA);
        String url = server.url() + (server.url().contains("?") ? "&" : "?") + "currentSchema=" + SCHEMA;
        return new AegisConfig.Database(url, server.user(), server.password());
    }

    private Settings demoSettings(AegisConfig.Database db, AsanaSimulator sim, AsanaSimulator.SimWorld world,
                                  FakeLlmServer llm, int port, DemoCodingTask coding) {
        Map<String, Object> m = new HashMap<>();
        m.put("AEGIS_DATABASE_URL", db.url());
        if (db.user() != null) {
            m.put("AEGIS_DATABASE_USER", db.user());
        }
        if (db.password() != null) {
            m.put("AEGIS_DATABASE_PASSWORD", db.password());
        }
        m.put("ASANA_ACCESS_TOKEN", world.token());
        m.put("AEGIS_ASANA_BASE_URL", sim.baseUrl().toString());
        m.put("AEGIS_ASANA_WORKSPACE", world.workspace());
        m.put("AEGIS_ASANA_PORTFOLIO", world.portfolio());
        m.put("AEGIS_PUBLIC_URL", "http://127.0.0.1:" + port);
        m.put("AEGIS_HTTP_PORT", String.valueOf(port));
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        m.put("AEGIS_SECRET_KEY", Base64.getEncoder().encodeToString(key));
        m.put("AEGIS_DEFAULT_AGENT", "llm");
        m.put(LLM_KEY_VARIABLE, "demo-" + Long.toHexString(new SecureRandom().nextLong()));
        Map<String, Object> agents = new HashMap<>();
        agents.put("llm", Map.of(
                "provider", "anthropic",
                "base_url", llm.anthropicBaseUrl().toString(),
                "model", MODEL,
                "api_key_env", LLM_KEY_VARIABLE,
                "prices", Map.of(MODEL, Map.of("input_per_mtok", 3.0, "output_per_mtok", 15.0))));
        // The first project moves finished work to its Done section; the others complete it.
        Map<String, Object> projects = new LinkedHashMap<>();
        for (int i = 0; i < world.projects().size(); i++) {
            projects.put(world.projects().get(i), Map.of("on_done", i == 0 ? "section:Done" : "complete"));
        }
        if (coding != null) {
            m.put("AEGIS_WORKSPACES_DIR", coding.workspaces().toString());
            agents.put("command", coding.commandAgent());
            projects.put(world.projects().get(2), coding.projectOptions());
        }
        m.put("agents", agents);
        m.put("projects", projects);
        return Settings.of(m);
    }

    @SuppressWarnings("unchecked")
    private static List<String> openTasksOfBot(AsanaSimulator sim, String bot, String onlyProject) {
        List<String> gids = new ArrayList<>();
        for (Object p : (List<Object>) sim.dump().get("projects")) {
            if (onlyProject != null && !onlyProject.equals(((Map<String, Object>) p).get("gid"))) {
                continue;
            }
            for (Object t : (List<Object>) ((Map<String, Object>) p).get("tasks")) {
                Map<String, Object> task = (Map<String, Object>) t;
                Object assignee = task.get("assignee");
                String assigneeGid = assignee instanceof Map<?, ?> a ? (String) a.get("gid") : null;
                if (bot.equals(assigneeGid) && !Boolean.TRUE.equals(task.get("completed"))
                        && !Boolean.TRUE.equals(task.get("deleted"))) {
                    gids.add((String) task.get("gid"));
                }
            }
        }
        return gids;
    }

    private static long botComments(AsanaSimulator sim, String bot, String taskGid) {
        return sim.stories(taskGid).stream()
                .filter(s -> s.get("created_by") instanceof Map<?, ?> by && bot.equals(by.get("gid")))
                .filter(s -> String.valueOf(s.get("text")).contains(MARKER))
                .count();
    }

    /** Prints each execution as it is picked up and answered; true once every task has its answer. */
    private boolean follow(AegisConfig.Database db, AsanaSimulator sim, String bot, List<String> tasks,
                           Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<Long, String> seen = new HashMap<>();
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("""
                     SELECT e.id, e.status, e.outcome, e.agent_type, t.name, p.name,
                            e.input_tokens + e.output_tokens, e.cost_usd
                       FROM task_executions e JOIN tasks t ON t.id = e.task_id JOIN projects p ON p.id = t.project_id
                      ORDER BY e.id""")) {
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long id = rs.getLong(1);
                        String status = rs.getString(2);
                        if (Objects.equals(seen.put(id, status), status)) {
                            continue;
                        }
                        String name = rs.getString(5);
                        switch (status) {
                            case "pending" -> out.printf("  queued      run %d  “%s” (%s)%n", id, name, rs.getString(6));
                            case "running" -> out.printf("  picked up   run %d  “%s” by the %s agent%n", id, name,
                                    rs.getString(4));
                            default -> out.printf("  %-11s run %d  “%s”: %s · %d tokens · $%s%n",
                                    status, id, name, rs.getString(3), rs.getLong(7),
                                    rs.getBigDecimal(8).stripTrailingZeros().toPlainString());
                        }
                    }
                }
                if (tasks.stream().allMatch(t -> botComments(sim, bot, t) > 0) && openExecutions(c) == 0) {
                    return true;
                }
                Thread.sleep(100);
            }
        }
        return false;
    }

    private static long openExecutions(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM task_executions WHERE status IN ('pending', 'running')")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void summary(AegisConfig.Database db, AsanaSimulator sim, String bot, List<String> tasks, long nanos)
            throws SQLException {
        long answered = tasks.stream().filter(t -> botComments(sim, bot, t) > 0).count();
        long comments = tasks.stream().mapToLong(t -> botComments(sim, bot, t)).sum();
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT count(*), count(*) FILTER (WHERE outcome = 'done'),
                            count(*) FILTER (WHERE outcome = 'question'),
                            coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),
                            coalesce(sum(cost_usd), 0)
                       FROM task_executions""")) {
            rs.next();
            BigDecimal cost = rs.getBigDecimal(6);
            out.printf("%nSummary%n");
            out.printf("  tasks answered   %d of %d%n", answered, tasks.size());
            out.printf("  comments posted  %d%n", comments);
            out.printf("  executions       %d (%d done, %d asked a question)%n", rs.getLong(1), rs.getLong(2), rs.getLong(3));
            out.printf("  tokens           %d in, %d out%n", rs.getLong(4), rs.getLong(5));
            out.printf("  cost             $%s%n", cost.setScale(4, java.math.RoundingMode.HALF_UP).toPlainString());
            out.printf("  time             %.1f s%n", nanos / 1e9);
        }
    }

    /** The coding task's answer as posted in Asana: the agent's words, branch, commit, diff stat, pull request. */
    private void codingAnswer(AsanaSimulator sim, String bot, String taskGid) {
        sim.stories(taskGid).stream()
                .filter(s -> s.get("created_by") instanceof Map<?, ?> by && bot.equals(by.get("gid")))
                .map(s -> String.valueOf(s.get("text")))
                .filter(t -> t.contains(MARKER))
                .reduce((a, b) -> b)
                .ifPresent(text -> {
                    out.printf("%nThe coding task's answer (“%s”)%n", DemoCodingTask.TASK_NAME);
                    text.lines().forEach(l -> out.printf("  | %s%n", l));
                });
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
