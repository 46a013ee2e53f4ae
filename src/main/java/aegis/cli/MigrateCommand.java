package aegis.cli;

import aegis.config.AegisConfig;
import aegis.db.Migrator;
import aegis.config.Settings;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "migrate", description = "Applies pending database migrations and exits.")
final class MigrateCommand implements Callable<Integer> {
    private final Settings settings;

    MigrateCommand(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Integer call() {
        AegisConfig.Database db = AegisConfig.database(settings);
        Migrator.Outcome outcome = Migrator.migrate(db);
        if (outcome.applied() == 0) {
            System.out.println("Schema is up to date at version " + outcome.schemaVersion()
                    + "; nothing to do.");
        } else {
            System.out.println("Applied " + outcome.applied() + " migration(s); schema is at version "
                    + outcome.schemaVersion() + ".");
        }
        return Main.OK;
    }
}
