package aegis.cli;

import aegis.config.Settings;
import aegis.governance.Actor;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "resume", description = "Starts claiming again after aegis pause (--project: that project's pause).")
final class ResumeCommand implements Callable<Integer> {
    private final Settings settings;

    @Option(names = "--project", paramLabel = "GID", description = "lift only this project's pause")
    String project;

    ResumeCommand(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Integer call() {
        boolean resumed;
        try {
            resumed = PauseCommand.control(settings).resume(Actor.unixUser(), Optional.ofNullable(project));
        } catch (IllegalArgumentException e) {
            System.err.println("aegis: " + e.getMessage());
            return Main.USAGE;
        }
        String what = project == null ? "Aegis" : "Project " + project;
        System.out.println(resumed ? what + " resumed." : what + " was not paused; nothing changed.");
        return Main.OK;
    }
}
