package aegis.cli;

import aegis.config.ConfigException;
import aegis.config.Settings;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code aegis} entry point. Exit codes: 0 success, 1 runtime failure, 2 bad usage or configuration. */
@Command(name = "aegis",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = "Asana as the control plane for AI agents.",
        subcommands = {
            RunCommand.class,
            MigrateCommand.class,
            SimulatorCommand.class,
            PromptsCommand.class,
            StatusCommand.class,
            ExecutionsCommand.class,
            ApiKeyCommand.class,
            ArchiveCommand.class,
            WorkspacesCommand.class,
            DemoCommand.class,
            SyncCommand.class,
            WebhooksCommand.class,
            PauseCommand.class,
            ResumeCommand.class,
            AuditCommand.class,
            MemoryCommand.class,
            BudgetCommand.class,
        })
public final class Main implements Runnable {
    /** {@code aegis --version}: the version the build put in the jar, as /health reports it. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"aegis " + aegis.status.Version.current()};
        }
    }

    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        Settings settings;
        try {
            settings = Settings.fromEnvironment();
        } catch (ConfigException e) {
            System.err.println("aegis: configuration: " + e.getMessage());
            System.exit(USAGE);
            return;
        }
        System.exit(execute(settings, args));
    }

    /** Runs one command with the given settings; returns its exit code. */
    public static int execute(Settings settings, String... args) {
        if (args.length == 1 && RunCommand.NAME.equals(args[0])) {
            // The daemon's own start, as the unit runs it. picocli's classes are Java 5 bytecode, which
            // the class-data archive cannot hold, and its model of every command costs a tenth of a
            // second on each start; `run` takes no options, so nothing is parsed and it is called as is.
            return runDaemon(settings);
        }
        CommandLine cli = new CommandLine(new Main(), new SettingsFactory(settings));
        cli.setParameterExceptionHandler((ex, args2) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("aegis: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, cmd.getErr());
            cmd.usage(cmd.getErr());
            return USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> failed(ex, commandLine.getErr()));
        return cli.execute(args);
    }

    private static int runDaemon(Settings settings) {
        try {
            return new RunCommand(settings).call();
        } catch (Exception ex) {
            PrintWriter err = new PrintWriter(System.err, true);
            return failed(ex, err);
        }
    }

    /** Says why a command failed; the exit code: 2 for a setting that is wrong, else 1. */
    private static int failed(Exception ex, PrintWriter err) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // Beans that validate settings at start arrive wrapped by the context.
            if (t instanceof ConfigException ce) {
                err.println("aegis: configuration: " + ce.getMessage());
                return USAGE;
            }
        }
        err.println("aegis: " + describe(ex));
        return FAILURE;
    }

    /** Gives commands that take {@link Settings} in their constructor the settings of this run. */
    private record SettingsFactory(Settings settings) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            try {
                var ctor = cls.getDeclaredConstructor(Settings.class);
                ctor.setAccessible(true);
                return ctor.newInstance(settings);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(cls);
            }
        }
    }

    private static String describe(Throwable ex) {
        StringBuilder sb = new StringBuilder(String.valueOf(ex.getMessage()));
        for (Throwable c = ex.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c.getMessage() != null && !sb.toString().contains(c.getMessage())) {
                sb.append(": ").append(c.getMessage());
            }
        }
        return sb.toString();
    }
}
