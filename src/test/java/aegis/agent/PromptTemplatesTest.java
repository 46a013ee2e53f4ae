package aegis.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.cli.Main;
import aegis.db.Jdbc;
import aegis.config.Settings;
import aegis.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

class PromptTemplatesTest {
    static TestDatabase.Schema schema;
    static PromptStore store;

    @TempDir
    Path dir;

    @BeforeAll
    static void db() {
        schema = TestDatabase.freshSchema("prompts");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(schema.database().url());
        ds.setUser(schema.database().user());
        ds.setPassword(schema.database().password());
        store = new PromptStore(new Jdbc(ds), new ObjectMapper());
    }

    @AfterAll
    static void drop() {
        schema.drop();
    }

    record Run(int exit, String out, String err) {
    }

    private static Run cli(String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("AEGIS_DATABASE_URL", schema.database().url());
        env.put("AEGIS_DATABASE_USER", schema.database().user());
        env.put("AEGIS_DATABASE_PASSWORD", schema.database().password());
        PrintStream out0 = System.out;
        PrintStream err0 = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.execute(Settings.from(env), args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out0);
            System.setErr(err0);
        }
    }

    private static String template(String name, String type, String system, String body, String vars) {
        return "---\nname: " + name + "\nagent_type: " + type + "\ndescription: test template\n"
                + "variables: [" + vars + "]\nsystem: |\n  " + system + "\n---\n" + body + "\n";
    }

    private static AgentRequest.TaskView task() {
        return new AgentRequest.TaskView(1, "1201", "Write the release notes", "For version 2.", "https://app.asana.com/0/9/1201",
                LocalDate.of(2030, 1, 31), null, List.of(), Map.of());
    }

    private static AgentRequest.ProjectView project() {
        return new AgentRequest.ProjectView(1, "1209", "Docs", Optional.of("/srv/docs"));
    }

    @Test
    void importVersionsOnlyWhenTheTextChangesAndActivateSwitches() throws Exception {
        Path t = dir.resolve("greet.md");
        Files.writeString(t, template("greet", "writer", "Rules: {{directives}}", "Do: {{task_name}} by {{due_date}}",
                "task_name, due_date, directives"));
        Run first = cli("prompts", "import", dir.toString());
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).contains("greet [writer] imported as version 1 (active)");

        Run again = cli("prompts", "import", dir.toString());
        assertThat(again.out()).contains("unchanged at version 1");

        Files.writeString(t, template("greet", "writer", "Rules: {{directives}}", "Please do: {{task_name}}",
                "task_name, directives"));
        assertThat(cli("prompts", "import", dir.toString()).out()).contains("imported as version 2 (active)");

        TemplatePrompts prompts = new TemplatePrompts(store, new Directives("Be kind."));
        RenderedPrompt v2 = prompts.render("writer", task(), List.of(), project(), "");
        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.user()).isEqualTo("Please do: Write the release notes");
        assertThat(v2.system()).isEqualTo("Rules: Be kind.");

        Run act = cli("prompts", "activate", "greet", "1");
        assertThat(act.exit()).as(act.err()).isZero();
        assertThat(act.out()).contains("version 1 is now active");
        RenderedPrompt v1 = prompts.render("writer", task(), List.of(), project(), "");
        assertThat(v1.version()).isEqualTo(1);
        assertThat(v1.user()).isEqualTo("Do: Write the release notes by 2030-01-31");
        assertThat(v1.templateId()).isNotNull();

        Run missing = cli("prompts", "activate", "greet", "7");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("no prompt template greet version 7");

        Run list = cli("prompts", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).containsPattern("greet\\s+writer\\s+1 yes").containsPattern("greet\\s+writer\\s+2\\s{2,}");
        try (Connection c = schema.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM prompt_templates WHERE name = 'greet' AND active")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void undeclaredOrUnknownVariablesAreRejectedNamingThem() throws Exception {
        Files.writeString(dir.resolve("bad.md"), template("bad", "llm", "x", "Hi {{task_name}} {{secret_sauce}}",
                "task_name"));
        Run r = cli("prompts", "import", dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("bad.md").contains("secret_sauce");

        Files.writeString(dir.resolve("bad.md"), template("bad", "llm", "About {{task_name}}", "Hi", "task_name"));
        assertThat(cli("prompts", "import", dir.toString()).err()).contains("task variable 'task_name'");

        assertThatThrownBy(() -> TemplateRenderer.render("t", "{{task_name}} {{due_date}}",
                List.of("task_name", "due_date"), Map.of("task_name", "x")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("due_date");

        // A row edited behind Aegis's back still cannot render an undeclared variable.
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO prompt_templates (name, agent_type, version, user_prompt_template, variables, active)"
                    + " VALUES ('sneaky', 'sneaky', 1, 'Hi {{task_notes}}', '[\"task_name\"]', true)");
        }
        TemplatePrompts prompts = new TemplatePrompts(store, new Directives(""));
        assertThatThrownBy(() -> prompts.render("sneaky", task(), List.of(), project(), ""))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("task_notes");
    }

    @Test
    void statsCountUsesSuccessAndTokens() {
        PromptStore.ImportResult r = store.importTemplate(TemplateFile.parse("stats.md",
                template("stats", "stats", "s", "Do {{task_name}}", "task_name")), true);
        long id = store.list().stream().filter(t -> t.name().equals("stats")).findFirst().orElseThrow().id();
        TemplatePrompts prompts = new TemplatePrompts(store, new Directives(""));
        prompts.recordUsage(id, true, 100);
        prompts.recordUsage(id, false, 50);
        prompts.recordUsage(id, true, 300);
        PromptTemplate t = store.list().stream().filter(x -> x.id() == id).findFirst().orElseThrow();
        assertThat(r.version()).isEqualTo(1);
        assertThat(t.usageCount()).isEqualTo(3);
        assertThat(t.successCount()).isEqualTo(2);
        assertThat(t.failureCount()).isEqualTo(1);
        assertThat(t.totalTokens()).isEqualTo(450);
        assertThat(t.averageTokens()).isEqualTo(150);
        assertThat(t.successRate()).isEqualTo(2.0 / 3);
        assertThat(cli("prompts", "list").out()).containsPattern("stats\\s+stats\\s+1 yes\\s+3\\s+67%\\s+150");
    }

    @Test
    void bundledDefaultsAreImportedOnceAndServeAsFallback() {
        List<TemplateFile> bundled = DefaultTemplates.bundled();
        assertThat(bundled).extracting(TemplateFile::name).contains("default", "command", "llm");
        DefaultTemplates defaults = new DefaultTemplates(store);
        defaults.importMissing();
        assertThat(defaults.importMissing()).isEmpty();

        TemplatePrompts prompts = new TemplatePrompts(store, new Directives("Never push to main."));
        var thread = List.of(new AgentRequest.CommentView("1", "2", "Pat", "Please include the date.",
                java.time.Instant.parse("2030-01-02T03:04:05Z"), false));
        RenderedPrompt p = prompts.render("some-new-kind", task(), thread, project(), "");
        assertThat(p.templateName()).isEqualTo("default");
        assertThat(p.system()).contains("Never push to main.").contains("QUESTION:");
        assertThat(p.user()).contains("Write the release notes").contains("For version 2.")
                .contains("Pat at 2030-01-02T03:04:05Z: Please include the date.").contains("Docs")
                .contains("https://app.asana.com/0/9/1201");
        RenderedPrompt c = prompts.render("command", task(), thread, project(), "");
        assertThat(c.templateName()).isEqualTo("command");
        assertThat(c.system()).contains("/srv/docs");
        assertThat(c.user()).as("nothing recalled: {{memory}} is empty").endsWith("Please include the date.");

        for (String kind : List.of("default", "command", "llm")) {
            RenderedPrompt m = prompts.render(kind, task(), thread, project(), "",
                    "Remembered in this project:\n- our release day is Thursday (Pat, 2030-01-01)");
            assertThat(m.user()).as(kind).endsWith("Please include the date.\n\nRemembered in this project:\n"
                    + "- our release day is Thursday (Pat, 2030-01-01)");
            assertThat(m.system()).as(kind).doesNotContain("Thursday");
        }
    }

    @Test
    void memoryIsTaskTextAndStaysOutOfSystemPrompts() throws Exception {
        Files.writeString(dir.resolve("mem.md"), template("mem", "llm", "Known: {{memory}}", "Hi {{task_name}}",
                "task_name, memory"));
        Run r = cli("prompts", "import", dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("task variable 'memory'");
    }
}
