package aegis.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * One owner per table (the "owns" column of {@code docs/architecture.md}): every statement in
 * the production sources that writes a table is in the package that owns it. There is no
 * exception: retention reaches each table through its owner's SQL ({@code jobs.RetainedTable}).
 */
class TableOwnershipTest {
    private static final Path SOURCES = Path.of("src/main/java/aegis");
    private static final Pattern WRITE =
            Pattern.compile("(INSERT INTO|UPDATE|DELETE FROM|TRUNCATE(?: TABLE)?)\\s+([a-z_]+)");

    private static final Map<String, String> OWNER = Map.ofEntries(
            Map.entry("projects", "sync"), Map.entry("tasks", "sync"), Map.entry("comments", "sync"),
            Map.entry("webhooks", "webhook"), Map.entry("webhook_subscriptions", "webhook"),
            Map.entry("task_executions", "dispatch"), Map.entry("agents", "dispatch"),
            Map.entry("agent_events", "dispatch"), Map.entry("task_executions_archive", "dispatch"),
            Map.entry("agent_event_daily_counts", "dispatch"), Map.entry("execution_archive_totals", "dispatch"),
            Map.entry("prompt_templates", "agent"), Map.entry("workspaces", "workspace"),
            Map.entry("api_keys", "status"), Map.entry("system_state", "governance"),
            Map.entry("project_pauses", "governance"), Map.entry("audit_log", "governance"),
            Map.entry("memories", "memory"), Map.entry("approvals", "governance"),
            Map.entry("budget_caps", "governance"), Map.entry("budget_transactions", "governance"),
            Map.entry("budget_reservations", "governance"));

    @Test
    void everyTableIsWrittenByItsOwnerOnly() throws IOException {
        Set<String> wrong = new TreeSet<>();
        Set<String> tablesSeen = new TreeSet<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = SOURCES.relativize(f).getName(0).toString();
                Matcher m = WRITE.matcher(Files.readString(f));
                while (m.find()) {
                    String verb = m.group(1).startsWith("TRUNCATE") ? "TRUNCATE" : m.group(1);
                    String table = m.group(2);
                    tablesSeen.add(table);
                    String owner = OWNER.get(table);
                    if (owner == null) {
                        wrong.add(table + ": written in " + f + " but has no owner in the map; add it here and "
                                + "to docs/architecture.md");
                    } else if (!owner.equals(pkg)) {
                        wrong.add(table + ": " + verb + " in " + f + ", but " + owner + " owns it");
                    }
                }
            }
        }
        assertThat(wrong).as("writes outside the owning package").isEmpty();
        assertThat(tablesSeen).as("the scan found the tables' writes (else the pattern is broken)")
                .contains("task_executions", "tasks", "webhooks", "agents", "task_executions_archive",
                        "execution_archive_totals", "system_state", "project_pauses", "audit_log", "memories");
    }
}
