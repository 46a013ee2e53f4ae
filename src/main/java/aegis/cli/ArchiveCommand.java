package aegis.cli;

import aegis.config.Settings;
import aegis.db.Jdbc;
import aegis.dispatch.EventRetention;
import aegis.dispatch.ExecutionRetention;
import aegis.jobs.Archiver;
import aegis.memory.MemoryRetention;
import aegis.jobs.RetentionPolicy;
import aegis.governance.AuditRetention;
import aegis.metrics.Metrics;
import aegis.sync.TaskRetention;
import aegis.webhook.InboxStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "archive", description = "Runs retention now: archives, summarises and purges old rows "
        + "(AEGIS_RETENTION_* settings).")
final class ArchiveCommand implements Callable<Integer> {
    private final Settings settings;

    @Option(names = "--dry-run", description = "only print what would move, per category")
    boolean dryRun;

    ArchiveCommand(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Integer call() {
        RetentionPolicy policy = RetentionPolicy.from(settings);
        Jdbc jdbc = DirectDatabase.open(settings);
        Archiver archiver = new Archiver(policy, Metrics.standalone(), List.of(new EventRetention(jdbc),
                new ExecutionRetention(jdbc), new InboxStore(jdbc), new TaskRetention(jdbc), new AuditRetention(jdbc),
                new MemoryRetention(jdbc)));
        Archiver.Report r = dryRun ? archiver.preview() : archiver.run();
        System.out.println(dryRun ? "Dry run: nothing changed. Would handle now:" : "Retention done:");
        for (Map.Entry<Archiver.Category, Long> e : r.rows().entrySet()) {
            int days = switch (e.getKey()) {
                case AGENT_EVENTS -> policy.agentEventsDays();
                case EXECUTIONS -> policy.executionsDays();
                case INBOX -> policy.inboxDays();
                case TASKS -> policy.tasksDays();
                case AUDIT -> policy.auditDays();
                case MEMORY -> policy.executionsDays();
            };
            System.out.printf("  %-13s %10d  %s%s%n", e.getKey().label, e.getValue(), e.getKey().action,
                    days == 0 ? " (kept for ever: retention 0)" : " (older than " + days + " days)");
        }
        if (!r.complete()) {
            System.out.println("Stopped after AEGIS_ARCHIVE_MAX_RUN (" + policy.maxRun() + "); run again to continue.");
        }
        return Main.OK;
    }
}
