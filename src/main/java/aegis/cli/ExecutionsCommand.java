package aegis.cli;

import aegis.config.Settings;
import aegis.status.ExecutionFilter;
import aegis.status.ExecutionHistory;
import aegis.status.ExecutionText;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "executions", description = "Execution history, newest first (live and archived), read from the database.",
        subcommands = ExecutionsCommand.Show.class)
final class ExecutionsCommand implements Callable<Integer> {
    private final Settings settings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--status", paramLabel = "S", description = "only this status: pending, held, awaiting_approval, running, completed, failed, cancelled")
    String status;

    @Option(names = "--task", paramLabel = "GID", description = "only this Asana task's executions")
    String task;

    @Option(names = "--since", paramLabel = "DURATION", description = "only those created within this long, e.g. 1d, 6h")
    String since;

    @Option(names = "--limit", paramLabel = "N", description = "at most N (default 20, at most 500)")
    String limit = "20";

    @Option(names = "--json", description = "the same JSON as GET /executions")
    boolean json;

    ExecutionsCommand(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Integer call() {
        ExecutionFilter filter;
        try {
            filter = ExecutionFilter.parse(status, task, since, limit, null);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        var page = new ExecutionHistory(DirectDatabase.open(settings)).list(filter);
        System.out.print(json ? CliJson.pretty(page) + "\n" : ExecutionText.lines(page));
        return Main.OK;
    }

    @Command(name = "show", description = "Everything about one execution: task, prompt, timeline, tokens, cost, error, answer, result.")
    static final class Show implements Callable<Integer> {
        private final Settings settings;

        @Parameters(paramLabel = "ID", description = "the execution's id")
        long id;

        @Option(names = "--json", description = "the same JSON as GET /executions/ID")
        boolean json;

        Show(Settings settings) {
            this.settings = settings;
        }

        @Override
        public Integer call() {
            var detail = new ExecutionHistory(DirectDatabase.open(settings)).find(id);
            if (detail.isEmpty()) {
                System.err.println("aegis: no execution " + id + ", live or archived");
                return Main.FAILURE;
            }
            System.out.print(json ? CliJson.pretty(detail.get()) + "\n" : ExecutionText.full(detail.get()));
            return Main.OK;
        }
    }
}
