package aegis.cli;

import aegis.config.Settings;
import aegis.db.Jdbc;
import aegis.dispatch.ExecutionStore;
import aegis.dispatch.PauseSignals;
import aegis.governance.Actor;
import aegis.governance.AuditTrail;
import aegis.governance.PauseControl;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "pause", description = "Stops claiming new work (webhooks, sync and the queue go on); "
        + "--project pauses one project only, --now also stops the runs under way (they run again after resume).")
final class PauseCommand implements Callable<Integer> {
    private final Settings settings;

    @Option(names = "--project", paramLabel = "GID", description = "pause only this project")
    String project;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why, shown by status")
    String reason;

    @Option(names = "--now", description = "also stop running executions; they run again after resume, "
            + "not counted as an attempt")
    boolean now;

    PauseCommand(Settings settings) {
        this.settings = settings;
    }

    static PauseControl control(Settings settings) {
        Jdbc jdbc = DirectDatabase.open(settings);
        return new PauseControl(jdbc, new AuditTrail(jdbc), List.of(new PauseSignals(new ExecutionStore(jdbc))));
    }

    @Override
    public Integer call() {
        try {
            control(settings).pause(Actor.unixUser(), Optional.ofNullable(project), reason, now);
        } catch (IllegalArgumentException e) {
            System.err.println("aegis: " + e.getMessage());
            return Main.USAGE;
        }
        System.out.println((project == null ? "Paused" : "Project " + project + " paused")
                + (now ? "; running executions are being stopped and will run again after resume." : "; running "
                + "executions finish, nothing new starts.") + " Resume with: aegis resume"
                + (project == null ? "" : " --project " + project));
        return Main.OK;
    }
}
