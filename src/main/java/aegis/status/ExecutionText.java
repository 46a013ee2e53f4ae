package aegis.status;

/** Execution history for a person at a terminal: one line per run, or one run in full. */
public final class ExecutionText {
    private ExecutionText() {
    }

    public static String lines(Executions.Page page) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-8s %-40s %-10s %-10s %-22s %3s %10s %13s %9s  %s%n", "ID", "TASK", "KIND", "BOT",
                "STATUS", "TRY", "DURATION", "TOKENS IN/OUT", "COST", "CREATED"));
        for (Executions.Summary e : page.executions()) {
            b.append(String.format("%-8s %-40s %-10s %-10s %-22s %3d %10s %13s %9s  %s%n",
                    e.id() + (e.archived() ? "*" : ""), cut(e.taskName() == null ? "(task gone)" : e.taskName(), 40),
                    e.kind(), cut(dash(e.bot()), 10), cut(PageFormat.state(e), 22), e.attempt(), PageFormat.duration(e.durationMs()),
                    PageFormat.tokens(e.inputTokens(), e.outputTokens()), PageFormat.money(e.costUsd()),
                    PageFormat.when(e.createdAt())));
        }
        if (page.executions().isEmpty()) {
            b.append("(no executions match)\n");
        }
        if (page.executions().stream().anyMatch(Executions.Summary::archived)) {
            b.append("* archived\n");
        }
        if (page.nextCursor() != null) {
            b.append("more: --limit larger, or GET /executions?cursor=").append(page.nextCursor()).append('\n');
        }
        return b.toString();
    }

    public static String full(Executions.Detail d) {
        Executions.Summary e = d.execution();
        StringBuilder b = new StringBuilder();
        b.append("Execution ").append(e.id()).append(e.archived() ? " (archived)" : "").append(": ")
                .append(PageFormat.state(e)).append('\n');
        row(b, "Task", (e.taskName() == null ? "(task gone)" : e.taskName()) + " (" + dash(e.taskGid()) + ")");
        row(b, "Link", dash(e.taskUrl()));
        row(b, "Kind", e.kind() + ", agent " + dash(e.agentType()) + (d.agentName() == null ? "" : " on " + d.agentName())
                + ", bot " + dash(e.bot()));
        row(b, "Prompt", d.prompt() == null ? "-" : dash(d.prompt().name()) + " version "
                + (d.prompt().version() == null ? "?" : d.prompt().version()));
        row(b, "Attempt", String.valueOf(e.attempt()));
        row(b, "Created", PageFormat.when(e.createdAt()));
        row(b, "Started", PageFormat.when(e.startedAt()));
        row(b, "Finished", PageFormat.when(e.finishedAt()));
        row(b, "Duration", PageFormat.duration(e.durationMs()));
        row(b, "Tokens", e.inputTokens() + " in / " + e.outputTokens() + " out");
        row(b, "Cost", PageFormat.money(e.costUsd()) + " (" + e.costUsd() + " USD)");
        row(b, "Requested by", dash(d.requestedByGid()));
        row(b, "Answer", d.answerStoryGid() == null ? "not posted" : "comment " + d.answerStoryGid()
                + (d.answerUrl() == null ? "" : " on " + d.answerUrl()));
        if (d.exitCode() != null) {
            row(b, "Exit code", String.valueOf(d.exitCode()));
        }
        if (d.error() != null) {
            b.append("\nError:\n").append(indent(d.error()));
        }
        b.append("\nTimeline:\n");
        if (d.timeline().isEmpty()) {
            b.append("  (").append(d.timelineNote()).append(")\n");
        }
        for (Executions.Event ev : d.timeline()) {
            b.append("  ").append(PageFormat.when(ev.at())).append("  ").append(String.format("%-5s ", ev.level()))
                    .append(ev.type()).append(ev.message() == null ? "" : ": " + ev.message()).append('\n');
        }
        b.append("\nResult:\n").append(d.result() == null ? "  (none recorded)\n" : indent(d.result()));
        return b.toString();
    }

    private static void row(StringBuilder b, String label, String value) {
        b.append(String.format("  %-13s %s%n", label, value));
    }

    private static String indent(String text) {
        return text.lines().map(l -> "  " + l + "\n").reduce("", String::concat);
    }

    private static String cut(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    private static String dash(String s) {
        return s == null ? "-" : s;
    }
}
