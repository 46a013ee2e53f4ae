package aegis.cli;

import aegis.config.Settings;
import aegis.memory.MemoryStore;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "memory", description = "Project memories (remember: comments): list [--project GID], forget ID.",
        subcommands = {MemoryCommand.ListMemories.class, MemoryCommand.Forget.class})
final class MemoryCommand implements Runnable {
    private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);
    /** A memory's text as listed: one line, this long at most. */
    private static final int TEXT = 72;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "say list [--project GID] or forget ID");
    }

    @Command(name = "list", description = "Lists remembered facts, newest first (with --answers, indexed answers too).")
    static final class ListMemories implements Callable<Integer> {
        private final Settings settings;
        @Option(names = "--project", paramLabel = "GID", description = "only this project (its Asana gid)")
        String project;
        @Option(names = "--answers", description = "also list the earlier answers indexed for recall")
        boolean answers;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "at most N rows (default 100)")
        int limit;

        ListMemories(Settings settings) {
            this.settings = settings;
        }

        @Override
        public Integer call() {
            if (limit < 1) {
                System.err.println("aegis: --limit must be at least 1, got " + limit);
                return Main.USAGE;
            }
            List<MemoryStore.Listed> rows = new MemoryStore(DirectDatabase.open(settings))
                    .list(Optional.ofNullable(project), answers, limit);
            if (rows.isEmpty()) {
                System.out.println("No memories" + (project == null ? "" : " in project " + project)
                        + ". A person's comment starting with \"remember:\" on a tracked task adds one.");
                return Main.OK;
            }
            System.out.printf("%-8s %-18s %-10s %-16s %-16s %s%n", "ID", "PROJECT", "KIND", "CREATED (UTC)", "BY",
                    "TEXT");
            for (MemoryStore.Listed m : rows) {
                System.out.printf("%-8d %-18s %-10s %-16s %-16s %s%n", m.id(), m.projectGid(), m.kind(),
                        AT.format(m.createdAt()), m.authorName() == null ? "-" : m.authorName(), oneLine(m.text()));
            }
            return Main.OK;
        }

        private static String oneLine(String s) {
            String t = s == null ? "" : s.strip().replaceAll("\\s+", " ");
            return t.length() <= TEXT ? t : t.substring(0, TEXT - 1) + "…";
        }
    }

    @Command(name = "forget", description = "Forgets one memory by its ID: prompts no longer recall it.")
    static final class Forget implements Callable<Integer> {
        private final Settings settings;
        @Parameters(paramLabel = "ID")
        long id;

        Forget(Settings settings) {
            this.settings = settings;
        }

        @Override
        public Integer call() {
            if (new MemoryStore(DirectDatabase.open(settings)).forget(id)) {
                System.out.println("Memory " + id + " forgotten.");
                return Main.OK;
            }
            System.err.println("aegis: no memory with ID " + id + " (see: aegis memory list)");
            return Main.FAILURE;
        }
    }
}
