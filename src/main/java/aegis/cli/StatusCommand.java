package aegis.cli;

import aegis.config.Settings;
import aegis.governance.BudgetCaps;
import aegis.governance.BudgetUsage;
import aegis.status.StatusReader;
import aegis.status.StatusSettings;
import aegis.status.StatusText;
import aegis.webhook.InboxStore;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "status", description = "Prints what /status says, read from the database.")
final class StatusCommand implements Callable<Integer> {
    private final Settings settings;

    @Option(names = "--json", description = "the /status JSON, for scripts")
    boolean json;

    StatusCommand(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Integer call() {
        var jdbc = DirectDatabase.open(settings);
        var reader = new StatusReader(jdbc, StatusSettings.from(settings), new InboxStore(jdbc),
                new BudgetUsage(jdbc, BudgetCaps.inDatabase(jdbc), Clock.systemUTC()));
        var status = reader.read(null);
        System.out.print(json ? CliJson.pretty(status) + "\n" : StatusText.plain(status));
        return Main.OK;
    }
}
