package aegis.cli;

import aegis.agent.PromptStore;
import aegis.agent.PromptTemplate;
import aegis.agent.TemplateFile;
import aegis.agent.TemplateRenderer;
import aegis.db.Jdbc;
import aegis.config.Settings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code aegis prompts list | import DIR | activate NAME VERSION}: versioned prompt templates.
 * Needs only the database settings. Template files are described in {@link TemplateFile}.
 */
@Command(name = "prompts", description = "Versioned prompt templates: list, import DIR, activate NAME VERSION.",
        subcommands = {PromptsCommand.ListTemplates.class, PromptsCommand.Import.class, PromptsCommand.Activate.class})
final class PromptsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: list, import or activate");
    }

    static PromptStore store(Settings settings) {
        return new PromptStore(DirectDatabase.open(settings), CliJson.mapper());
    }

    static String hint(Jdbc.DataAccessException e) {
        return e.getMessage() != null && e.getMessage().contains("does not exist")
                ? e.getMessage() + " (run 'aegis migrate' first)" : e.getMessage();
    }

    @Command(name = "list", description = "Lists every template version with its statistics.")
    static final class ListTemplates implements Callable<Integer> {
        private final Settings settings;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        ListTemplates(Settings settings) {
            this.settings = settings;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<PromptTemplate> all;
            try {
                all = store(settings).list();
            } catch (Jdbc.DataAccessException e) {
                spec.commandLine().getErr().println("aegis: " + hint(e));
                return Main.FAILURE;
            }
            out.printf("%-20s %-12s %7s %-6s %6s %8s %10s  %s%n", "NAME", "AGENT_TYPE", "VERSION", "ACTIVE",
                    "USES", "SUCCESS", "AVG_TOKENS", "DESCRIPTION");
            for (PromptTemplate t : all) {
                out.printf("%-20s %-12s %7d %-6s %6d %7.0f%% %10d  %s%n", t.name(), t.agentType(), t.version(),
                        t.active() ? "yes" : "", t.usageCount(), t.successRate() * 100, t.averageTokens(),
                        t.description() == null ? "" : t.description());
            }
            out.flush();
            return Main.OK;
        }
    }

    @Command(name = "import", description = "Imports every *.md template file of DIR; a new version only when the text changed.")
    static final class Import implements Callable<Integer> {
        private final Settings settings;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "directory of template files (*.md)")
        Path dir;

        @Option(names = "--inactive", description = "keep new versions inactive (activate them later)")
        boolean inactive;

        Import(Settings settings) {
            this.settings = settings;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (!Files.isDirectory(dir)) {
                err.println("aegis: " + dir + " is not a directory of template files");
                return Main.USAGE;
            }
            List<TemplateFile> files = new ArrayList<>();
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".md")).sorted().toList()) {
                    files.add(TemplateFile.read(p));
                }
            } catch (IOException e) {
                err.println("aegis: cannot list " + dir + ": " + e.getMessage());
                return Main.FAILURE;
            } catch (TemplateRenderer.TemplateException e) {
                err.println("aegis: " + e.getMessage());
                return Main.USAGE;
            }
            if (files.isEmpty()) {
                err.println("aegis: no *.md template files in " + dir);
                return Main.USAGE;
            }
            PromptStore store = store(settings);
            try {
                for (TemplateFile f : files) {
                    PromptStore.ImportResult r = store.importTemplate(f, !inactive);
                    String what = switch (r.status()) {
                        case CREATED -> "imported as version " + r.version() + (r.active() ? " (active)" : " (inactive)");
                        case UNCHANGED -> "unchanged at version " + r.version();
                        case UPDATED_DESCRIPTION -> "description/tags updated on version " + r.version();
                    };
                    out.println(f.source() + ": " + r.name() + " [" + r.agentType() + "] " + what);
                    if (r.status() != PromptStore.ImportStatus.UNCHANGED) {
                        OperatorAudit.record(settings, "prompt.import", r.name(), Map.of("agent_type", r.agentType(),
                                "version", r.version(), "active", r.active(), "change", r.status().name().toLowerCase()),
                                "ok");
                    }
                }
            } catch (Jdbc.DataAccessException e) {
                err.println("aegis: " + hint(e));
                return Main.FAILURE;
            }
            out.flush();
            return Main.OK;
        }
    }

    @Command(name = "activate", description = "Makes VERSION of template NAME the active one.")
    static final class Activate implements Callable<Integer> {
        private final Settings settings;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "VERSION")
        int version;

        @Option(names = "--agent-type", description = "when NAME exists for several agent types")
        String agentType;

        Activate(Settings settings) {
            this.settings = settings;
        }

        @Override
        public Integer call() {
            try {
                PromptTemplate t = store(settings).activate(name, agentType, version);
                OperatorAudit.record(settings, "prompt.activate", t.name(),
                        Map.of("agent_type", t.agentType(), "version", t.version()), "ok");
                spec.commandLine().getOut().println(t.name() + " [" + t.agentType() + "] version " + t.version()
                        + " is now active");
                spec.commandLine().getOut().flush();
                return Main.OK;
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("aegis: " + e.getMessage());
                return Main.USAGE;
            } catch (Jdbc.DataAccessException e) {
                spec.commandLine().getErr().println("aegis: " + hint(e));
                return Main.FAILURE;
            }
        }
    }
}
