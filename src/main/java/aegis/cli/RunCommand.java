package aegis.cli;

import aegis.asana.Bots;
import aegis.config.AdminListener;
import aegis.config.AegisConfig;
import aegis.config.ContextFactory;
import aegis.db.Migrator;
import aegis.config.Settings;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import sun.misc.Signal;

@Command(name = RunCommand.NAME, description = "Runs the daemon until SIGTERM (or SIGINT), then stops cleanly and exits 0.")
final class RunCommand implements Callable<Integer> {
    static final String NAME = "run";
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    private final Settings settings;

    RunCommand(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Integer call() throws InterruptedException {
        AegisConfig config = AegisConfig.load(settings);
        Migrator.Outcome migrated = Migrator.ensureCurrent(config.database());
        LOG.info("event=migrations applied={} version={} flyway={}", migrated.applied(), migrated.schemaVersion(),
                migrated.flyway());

        CountDownLatch stopRequested = new CountDownLatch(1);
        // Handle the signals ourselves so a requested stop drains and exits 0, not 143.
        Signal.handle(new Signal("TERM"), s -> stopRequested.countDown());
        Signal.handle(new Signal("INT"), s -> stopRequested.countDown());

        ApplicationContext ctx = ContextFactory.start(config, settings, Map.of());
        try {
            // Every bot's token is checked now: a refused one stops start-up naming the bot (exit 2).
            for (Bots.Bot b : ctx.getBean(Bots.class).resolveAll()) {
                LOG.info("event=bot bot={} user={} agent={} projects={}", b.name(), b.gid(),
                        b.settings().agent().orElse("-"), b.settings().projects().isEmpty() ? "all" : b.settings().projects());
            }
            EmbeddedServer server = ctx.getBean(EmbeddedServer.class).start();
            AdminListener admin = AdminListener.read(settings, config.httpPort());
            LOG.info("event=started port={} admin={}:{} asana={}", config.httpPort(), admin.bind(), admin.port(),
                    config.asana());
            stopRequested.await();
            LOG.info("event=stopping reason=signal");
        } finally {
            ctx.close();
        }
        LOG.info("event=stopped");
        return Main.OK;
    }
}
