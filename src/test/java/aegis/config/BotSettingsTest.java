package aegis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BotSettingsTest {

    @Test
    void theAccessTokenIsTheFirstBotNamedAegis() {
        BotSettings.All all = BotSettings.read(Settings.of(Map.of()), "main-token");
        assertThat(all.bots()).singleElement().satisfies(b -> {
            assertThat(b.name()).isEqualTo("aegis");
            assertThat(b.token()).isEqualTo("main-token");
            assertThat(b.persona()).isEmpty();
            assertThat(b.serves("123")).isTrue();
        });
    }

    @Test
    void anEntryNamedAegisConfiguresTheFirstBotAndOthersReadTheirTokenFromTheNamedSetting() throws Exception {
        Path persona = Files.createTempFile("persona", ".md");
        Files.writeString(persona, "Careful and kind.\n");
        Settings s = Settings.of(Map.of("REVIEWER_ASANA_TOKEN", "reviewer-token", "bots", List.of(
                Map.of("name", "reviewer", "token_env", "REVIEWER_ASANA_TOKEN", "persona_file", persona.toString(),
                        "agent", "LLM", "allowed_agents", List.of("command"), "projects", List.of("123")),
                Map.of("name", "aegis", "token_env", "ASANA_ACCESS_TOKEN", "persona", "The house bot.",
                        "agent", "echo"))));
        BotSettings.All all = BotSettings.read(s, "main-token");
        assertThat(all.bots()).extracting(BotSettings::name).containsExactly("aegis", "reviewer");
        assertThat(all.main().persona()).isEqualTo("The house bot.");
        assertThat(all.main().agent()).contains("echo");
        BotSettings reviewer = all.named("reviewer").orElseThrow();
        assertThat(reviewer.token()).isEqualTo("reviewer-token");
        assertThat(reviewer.persona()).isEqualTo("Careful and kind.");
        assertThat(reviewer.agent()).isEqualTo(Optional.of("llm"));
        assertThat(reviewer.ownKinds()).containsExactly("llm", "command");
        assertThat(reviewer.serves("123")).isTrue();
        assertThat(reviewer.serves("456")).isFalse();
        assertThat(reviewer.toString()).doesNotContain("reviewer-token");
    }

    @Test
    void mistakesNameTheSetting() {
        assertThatThrownBy(() -> BotSettings.read(Settings.of(Map.of("bots", List.of(
                Map.of("name", "reviewer", "token_env", "REVIEWER_ASANA_TOKEN")))), "t"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bots.reviewer.token_env")
                .hasMessageContaining("REVIEWER_ASANA_TOKEN, which is not set");
        assertThatThrownBy(() -> BotSettings.read(Settings.of(Map.of("bots", List.of(
                Map.of("name", "aegis", "token_env", "OTHER_TOKEN")))), "t"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bots.aegis.token_env");
        assertThatThrownBy(() -> BotSettings.read(Settings.of(Map.of("X", "x", "bots", List.of(
                Map.of("name", "rev", "token_env", "X"), Map.of("name", "rev", "token_env", "X")))), "t"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("named twice");
        assertThatThrownBy(() -> BotSettings.read(Settings.of(Map.of("X", "x", "bots", List.of(
                Map.of("name", "rev", "token_env", "X", "persona", "a", "persona_file", "/nope")))), "t"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("not both");
        assertThatThrownBy(() -> BotSettings.read(Settings.of(Map.of("X", "x", "bots", List.of(
                Map.of("name", "rev", "token_env", "X", "token", "secret")))), "t"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bots[0].token");
    }
}
