package aegis.cli;

import aegis.config.AegisConfig;
import aegis.config.ContextFactory;
import aegis.config.Migrator;
import aegis.config.Settings;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;

@Command(name = "run", description = "Runs the daemon until SIGTERM.")
final class RunCommand implements Callable<Integer> {
    private final Settings settings;

    RunCommand(Settings settings) {
        this.settings = settings;
    }

    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Override
    public Integer call() throws InterruptedException {
        AegisConfig config = AegisConfig.load(settings);
        Migrator.Outcome migrated = Migrator.migrate(config.database());
        LOG.info("event=migrations applied={} version={}", migrated.applied(), migrated.schemaVersion());

        CountDownLatch stopped = new CountDownLatch(1);
        ApplicationContext ctx = ContextFactory.start(config, settings, Map.of());
        EmbeddedServer server = ctx.getBean(EmbeddedServer.class).start();
        LOG.info("event=started port={} asana={}", server.getPort(), config.asana());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("event=stopping reason=signal");
            ctx.close();
            stopped.countDown();
        }, "aegis-shutdown"));
        stopped.await();
        return Main.OK;
    }
}
