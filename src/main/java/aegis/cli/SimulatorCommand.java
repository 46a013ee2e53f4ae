package aegis.cli;

import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The Asana simulator on its own; prints the reset JSON as its first line, runs until killed. */
@Command(name = "simulator", description = "Runs the Asana simulator until killed.")
final class SimulatorCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatorCommand.class);

    @Option(names = "--port", description = "TCP port on 127.0.0.1 (0 picks a free one)", defaultValue = "9999")
    int port;

    @Option(names = "--seed", description = "demo or empty", defaultValue = "demo")
    String seed;

    @Option(names = "--projects", description = "number of projects (default: 2 for demo, 0 for empty)")
    Integer projects;

    @Option(names = "--tasks-per-project", description = "tasks in each project (default 4)")
    Integer tasksPerProject;

    @Option(names = "--token", description = "the bot's access token (default: generated)")
    String token;

    @Override
    public Integer call() throws Exception {
        if (!seed.equals("demo") && !seed.equals("empty")) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--seed must be demo or empty, got '" + seed + "'");
        }
        Map<String, Object> reset = new LinkedHashMap<>();
        reset.put("seed", seed);
        if (projects != null) {
            reset.put("projects", projects);
        }
        if (tasksPerProject != null) {
            reset.put("tasksPerProject", tasksPerProject);
        }
        if (token != null) {
            reset.put("token", token);
        }
        AsanaSimulator sim = AsanaSimulator.start(port, SimOptions.fromMap(reset));
        Map<String, Object> world = new LinkedHashMap<>();
        AsanaSimulator.SimWorld w = sim.world();
        world.put("token", w.token());
        world.put("workspace", w.workspace());
        world.put("botUser", w.botUser());
        world.put("humanUser", w.humanUser());
        world.put("projects", w.projects());
        world.put("portfolio", w.portfolio());
        System.out.println(CliJson.compact(world));
        System.out.flush();
        LOG.info("event=simulator_started port={} base_url={}", sim.port(), sim.baseUrl());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sim.close();
            stopped.countDown();
        }, "simulator-shutdown"));
        stopped.await();
        return Main.OK;
    }
}
