package aegis.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.config.ConfigException;
import aegis.config.ProjectSettings;
import aegis.config.Settings;
import aegis.sim.FakeLlmServer;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The agent beans in a daemon context: kinds, selection, prompts from the bundled defaults. */
class AgentWiringTest {
    static TestDatabase.Schema schema;
    static FakeLlmServer fake;
    static TestApp app;

    @BeforeAll
    static void start() throws Exception {
        schema = TestDatabase.freshSchema("agentwiring");
        fake = FakeLlmServer.start(0);
        Settings settings = Settings.of(Map.of(
                "AEGIS_DEFAULT_AGENT", "llm",
                "AEGIS_DIRECTIVES", "Always be brief.",
                "AEGIS_TEST_LLM_KEY", "any-key",
                "projects", Map.of("1300", Map.of("agent", "command", "code_path", "/tmp")),
                "agents", Map.of(
                        "command", Map.of("argv", List.of("cat"), "timeout", "20s"),
                        "llm", Map.of("provider", "anthropic", "base_url", fake.anthropicBaseUrl().toString(),
                                // The fake endpoint takes any key; the agent reads it through Settings.
                                "model", "fake-model", "api_key_env", "AEGIS_TEST_LLM_KEY",
                                "prices", Map.of("fake-model", Map.of("input_per_mtok", 1, "output_per_mtok", 2))),
                        "select", Map.of("tag_prefix", "aegis:", "custom_field", "Agent"))));
        app = TestApp.start(TestApp.config(schema.database(), URI.create("http://127.0.0.1:9")), settings,
                Map.of("aegis.sync.enabled", "false", "aegis.webhooks.enabled", "false",
                        "aegis.dispatch.enabled", "false", "aegis.jobs.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        fake.close();
        schema.drop();
    }

    private static AgentRequest.TaskView task(List<String> tags) {
        return task(tags, Map.of());
    }

    private static AgentRequest.TaskView task(List<String> tags, Map<String, String> fields) {
        return new AgentRequest.TaskView(1, "1400", "Summarise the thread", "notes", "https://app.asana.com/0/1/1400",
                null, null, tags, fields);
    }

    @Test
    void kindsAreFoundByNameAndUnknownOnesNamed() {
        AgentKinds kinds = app.context().getBean(AgentKinds.class);
        assertThat(kinds.forKind("command")).isInstanceOf(CommandAgent.class);
        assertThat(kinds.forKind("llm")).isInstanceOf(LlmAgent.class);
        assertThatThrownBy(() -> kinds.forKind("nope")).hasMessageContaining("unknown agent kind 'nope'")
                .hasMessageContaining("llm");
    }

    @Test
    void selectionByTagThenProjectThenDefault() {
        AgentSelector sel = app.context().getBean(AgentSelector.class);
        var web = new AgentRequest.ProjectView(1, "1300", "Web", Optional.of("/tmp"));
        var other = new AgentRequest.ProjectView(2, "1301", "Other", Optional.empty());
        assertThat(sel.kindFor(task(List.of()), web)).isEqualTo("command");
        assertThat(sel.kindFor(task(List.of()), other)).isEqualTo("llm");
        assertThat(sel.kindFor(task(List.of("urgent", "Aegis:LLM")), web)).isEqualTo("llm");
        assertThatThrownBy(() -> sel.kindFor(task(List.of("aegis:robot")), web)).hasMessageContaining("robot");
    }

    @Test
    void customFieldNamesTheKind() {
        var kinds = app.context().getBean(AgentKinds.class);
        var sel = new ConfiguredAgentSelector(kinds, ProjectSettings.read(Settings.of(Map.of())),
                new AgentsConfig.Select("aegis:", Optional.of("Agent")));
        var project = new AgentRequest.ProjectView(1, "9", "x", Optional.empty());
        assertThat(sel.kindFor(task(List.of(), Map.of("agent", " Command ")), project)).isEqualTo("command");
        assertThat(sel.kindFor(task(List.of(), Map.of("Other", "llm")), project)).as("another field: the default")
                .isEqualTo("echo");
    }

    @Test
    void llmRunWithBundledPromptRecordsUsageAndStats() throws Exception {
        Prompts prompts = app.context().getBean(Prompts.class);
        var project = new AgentRequest.ProjectView(2, "1301", "Other", Optional.empty());
        RenderedPrompt p = prompts.render("llm", task(List.of()), List.of(), project, "");
        assertThat(p.templateName()).isEqualTo("llm");
        assertThat(p.system()).contains("Always be brief.");
        var req = new AgentRequest(5, 1, task(List.of()), List.of(), project, p);
        AgentOutcome o = app.context().getBean(AgentKinds.class).forKind("llm").run(req, new AgentFixtures.RecordingContext());
        assertThat(o).isInstanceOfSatisfying(AgentOutcome.Done.class, d -> {
            assertThat(d.result()).isEqualTo("Handled: Task: Summarise the thread");
            assertThat(d.usage().inputTokens()).isPositive();
            assertThat(d.usage().costUsd()).isPositive();
        });
        prompts.recordUsage(p.templateId(), true, o.usage().totalTokens());
        PromptTemplate t = app.context().getBean(PromptStore.class).list().stream()
                .filter(x -> x.id() == p.templateId()).findFirst().orElseThrow();
        assertThat(t.usageCount()).isEqualTo(1);
        assertThat(t.totalTokens()).isEqualTo(o.usage().totalTokens());
    }

    @Test
    void badAgentSettingsNameTheKey() {
        assertThatThrownBy(() -> AgentsConfig.read(Settings.of(Map.of("agents", Map.of("command",
                Map.of("argv", List.of("x"), "timeout", "soon"))))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("agents.command.timeout");
        assertThatThrownBy(() -> AgentsConfig.read(Settings.of(Map.of("agents", Map.of("llm",
                Map.of("provider", "acme"))))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("agents.llm.provider");
        assertThatThrownBy(() -> AgentsConfig.read(Settings.of(Map.of("agents", Map.of("llm",
                Map.of("api_key", "sk-123"))))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("agents.llm.api_key");
        assertThatThrownBy(() -> AgentsConfig.read(Settings.of(Map.of("agents", Map.of("command",
                Map.of("argv", List.of()))))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("agents.command.argv");
        assertThatThrownBy(() -> new AgentKinds(List.of(new CommandAgent(Optional.empty(), Map.of(), Set.of(), CommandAgentTest.NO_SANDBOX, new AgentAnswers(new ObjectMapper()))),
                ProjectSettings.read(Settings.of(Map.of("AEGIS_DEFAULT_AGENT", "command")))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("agents.command.argv");
        aegis.config.BotSettings.All oddBot = aegis.config.BotSettings.read(Settings.of(Map.of("T", "t", "bots",
                List.of(Map.of("name", "rev", "token_env", "T", "agent", "telepathy")))), "main");
        assertThatThrownBy(() -> new AgentKinds(List.of(new EchoAgent(Duration.ZERO)),
                ProjectSettings.read(Settings.of(Map.of())), oddBot))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("bots.rev.agent");
        AgentsConfig ok = AgentsConfig.read(Settings.of(Map.of("agents", Map.of("command",
                Map.of("argv", List.of("claude", "-p"), "timeout", "90s", "transient_exit_codes", List.of(75))))));
        assertThat(ok.command().orElseThrow().timeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(ok.command().orElseThrow().transientExitCodes()).containsExactly(75);
        assertThat(ok.llm().provider()).isEqualTo(AgentsConfig.Provider.ANTHROPIC);
    }
}
