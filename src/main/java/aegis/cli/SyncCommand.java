package aegis.cli;

import aegis.config.Settings;
import aegis.sync.FullSync;
import io.micronaut.context.ApplicationContext;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sync", description = "Runs one full sync of the tracked projects (or one of them), then exits.")
final class SyncCommand implements Callable<Integer> {
    private final Settings settings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--once", description = "Sync once and exit (the daemon, `run`, syncs continuously).")
    boolean once;

    @Option(names = "--project", paramLabel = "GID", description = "Only this tracked project.")
    String project;

    SyncCommand(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Integer call() {
        if (!once) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "sync needs --once (the daemon, `aegis run`, keeps syncing continuously)");
        }
        if (project != null && !project.matches("\\d{1,32}")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--project must be an Asana gid");
        }
        try (ApplicationContext ctx = CommandContext.start(settings)) {
            FullSync.Result r = ctx.getBean(FullSync.class).run(Optional.ofNullable(project), true);
            for (FullSync.ProjectResult p : r.projects()) {
                System.out.printf("project %s: %d tasks listed, %d subtasks, %d rows changed, %d marked deleted, "
                                + "%d new comments%n", p.projectGid(), p.listed(), p.subtasks(), p.changed(),
                        p.deleted(), p.newComments());
            }
            for (String f : r.failed()) {
                System.out.printf("project %s: FAILED (see log)%n", f);
            }
            return r.failed().isEmpty() ? Main.OK : Main.FAILURE;
        }
    }
}
