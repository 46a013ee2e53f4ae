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
 * the production sources that writes a table is in the package that owns it. Retention is the
 * one writer across packages, in one class, and only for what it is for: aged rows removed,
 * executions moved to the archive, the archive's totals kept beside the status row.
 */
class TableOwnershipTest {
    private static final Path SOURCES = Path.of("src/main/java/aegis");
    private static final Pattern WRITE =
            Pattern.compile("(INSERT INTO|UPDATE|DELETE FROM|TRUNCATE(?: TABLE)?)\\s+([a-z_]+)");

    private static final Map<String, String> OWNER = Map.ofEntries(
            Map.entry("projects", "sync"), Map.entry("tasks", "sync"), Map.entry("comments", "sync"),
            Map.entry("webhooks", "webhook"), Map.entry("webhook_subscriptions", "webhook"),
            Map.entry("task_executions", "dispatch"), Map.entry("agents", "dispatch"),
            Map.entry("agent_events", "dispatch"),
            Map.entry("prompt_templates", "agent"),
            Map.entry("api_keys", "status"), Map.entry("system_state", "status"),
            Map.entry("task_executions_archive", "dispatch"), Map.entry("agent_event_daily_counts", "dispatch"));

    /** Retention's writes outside its own tables: "verb table". */
    private static final Set<String> RETENTION = Set.of("DELETE FROM agent_events", "DELETE FROM tasks",
            "DELETE FROM task_executions", "DELETE FROM webhooks", "UPDATE tasks", "UPDATE system_state");
    private static final Path RETENTION_CLASS = SOURCES.resolve("jobs/Archiver.java");

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
                    boolean retention = f.equals(RETENTION_CLASS) && RETENTION.contains(verb + " " + table);
                    if (owner == null) {
                        wrong.add(table + ": written in " + f + " but has no owner in the map; add it here and "
                                + "to docs/architecture.md");
                    } else if (!owner.equals(pkg) && !retention) {
                        wrong.add(table + ": " + verb + " in " + f + ", but " + owner + " owns it");
                    }
                }
            }
        }
        assertThat(wrong).as("writes outside the owning package").isEmpty();
        assertThat(tablesSeen).as("the scan found the tables' writes (else the pattern is broken)")
                .contains("task_executions", "tasks", "webhooks", "agents");
    }
}
