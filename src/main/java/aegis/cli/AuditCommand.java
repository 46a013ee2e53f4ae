package aegis.cli;

import aegis.config.Durations;
import aegis.config.Settings;
import aegis.governance.AuditLog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "audit", description = "The audit trail: every write to Asana and every operator action, oldest first.")
final class AuditCommand implements Callable<Integer> {
    private final Settings settings;

    @Option(names = "--since", paramLabel = "DURATION", defaultValue = "1d",
            description = "how far back (e.g. 1h, 1d, 30d; default 1d)")
    String since;

    @Option(names = "--task", paramLabel = "GID", description = "only writes to this task")
    String task;

    @Option(names = "--execution", paramLabel = "ID", description = "only writes made for this execution")
    Long execution;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "1000", description = "at most N records (default 1000)")
    int limit;

    @Option(names = "--json", description = "one JSON array, for scripts")
    boolean json;

    AuditCommand(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Integer call() {
        Duration back = Durations.read(since).orElse(null);
        if (back == null) {
            System.err.println("aegis: --since must be a duration such as " + Durations.FORMS + "; got '" + since + "'");
            return Main.USAGE;
        }
        if (limit < 1) {
            System.err.println("aegis: --limit must be at least 1");
            return Main.USAGE;
        }
        List<AuditLog.Entry> entries = new AuditLog(DirectDatabase.open(settings))
                .list(new AuditLog.Filter(Instant.now().minus(back), task, execution, limit));
        if (json) {
            System.out.println(CliJson.pretty(entries));
            return Main.OK;
        }
        if (entries.isEmpty()) {
            System.out.println("No audit records in the last " + since + ".");
            return Main.OK;
        }
        System.out.printf("%-24s %-9s %-18s %-16s %-10s %-32s %s%n", "AT", "KIND", "ACTOR", "ACTION", "EXECUTION",
                "WHAT", "RESULT");
        for (AuditLog.Entry e : entries) {
            String what = e.category().equals("asana")
                    ? e.method() + " " + e.resource() + (e.storyGid() == null ? "" : " → " + e.storyGid())
                    : (e.subject() == null ? "" : e.subject()) + ("{}".equals(e.detail()) ? "" : " " + e.detail());
            System.out.printf("%-24s %-9s %-18s %-16s %-10s %-32s %s%n", e.at(), e.category(), e.actor(), e.action(),
                    e.executionId() == null ? "-" : e.executionId(), what, e.result());
        }
        return Main.OK;
    }
}
