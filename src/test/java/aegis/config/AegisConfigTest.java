package aegis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AegisConfigTest {
    private static Map<String, String> complete() {
        Map<String, String> env = new HashMap<>();
        env.put("AEGIS_DATABASE_URL", "jdbc:postgresql://localhost/aegis");
        env.put("ASANA_ACCESS_TOKEN", "1/secret-token");
        env.put("AEGIS_ASANA_WORKSPACE", "111");
        env.put("AEGIS_ASANA_PROJECTS", "222, 333");
        return env;
    }

    @Test
    void completeSettingsGiveDefaults() {
        AegisConfig c = AegisConfig.load(Settings.from(complete()));
        assertThat(c.asana().projectGids()).containsExactly("222", "333");
        assertThat(c.asana().baseUrl().toString()).isEqualTo("https://app.asana.com/api/1.0");
        assertThat(c.asana().requestsPerMinute()).isEqualTo(1500);
        assertThat(c.httpPort()).isEqualTo(8080);
        assertThat(c.publicUrl()).isEmpty();
    }

    @Test
    void theTokenNeverAppearsInToString() {
        AegisConfig c = AegisConfig.load(Settings.from(complete()));
        assertThat(c.toString()).doesNotContain("secret-token");
    }

    @Test
    void eachMissingRequiredSettingIsNamed() {
        for (String name : new String[] {"AEGIS_DATABASE_URL", "ASANA_ACCESS_TOKEN", "AEGIS_ASANA_WORKSPACE"}) {
            Map<String, String> env = complete();
            env.remove(name);
            assertThatThrownBy(() -> AegisConfig.load(Settings.from(env)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(name + ":")
                    .hasMessageContaining("required");
        }
    }

    @Test
    void somethingToTrackIsRequired() {
        Map<String, String> env = complete();
        env.remove("AEGIS_ASANA_PROJECTS");
        assertThatThrownBy(() -> AegisConfig.load(Settings.from(env)))
                .hasMessageContaining("AEGIS_ASANA_PROJECTS").hasMessageContaining("AEGIS_ASANA_PORTFOLIO");
    }

    @Test
    void malformedValuesAreNamed() {
        Map<String, String> env = complete();
        env.put("AEGIS_HTTP_PORT", "eighty");
        assertThatThrownBy(() -> AegisConfig.load(Settings.from(env)))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("AEGIS_HTTP_PORT:");
        env.put("AEGIS_HTTP_PORT", "8081");
        env.put("AEGIS_ASANA_WORKSPACE", "abc");
        assertThatThrownBy(() -> AegisConfig.load(Settings.from(env)))
                .hasMessageStartingWith("AEGIS_ASANA_WORKSPACE:");
        env.put("AEGIS_ASANA_WORKSPACE", "1");
        env.put("AEGIS_DATABASE_URL", "mysql://x?password=hunter2");
        assertThatThrownBy(() -> AegisConfig.load(Settings.from(env)))
                .hasMessageStartingWith("AEGIS_DATABASE_URL:").hasMessageNotContaining("hunter2");
        env.put("AEGIS_DATABASE_URL", "jdbc:postgresql://localhost/aegis");
        env.put("AEGIS_ASANA_REQUESTS_PER_MINUTE", "0");
        assertThatThrownBy(() -> AegisConfig.load(Settings.from(env)))
                .hasMessageStartingWith("AEGIS_ASANA_REQUESTS_PER_MINUTE:");
        env.put("AEGIS_ASANA_REQUESTS_PER_MINUTE", "150");
        env.put("AEGIS_PUBLIC_URL", "not a url");
        assertThatThrownBy(() -> AegisConfig.load(Settings.from(env)))
                .hasMessageStartingWith("AEGIS_PUBLIC_URL:");
    }

    @Test
    void theEnvironmentOverridesTheYamlFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("aegis.yml");
        Files.writeString(file, """
                AEGIS_HTTP_PORT: 9090
                AEGIS_ASANA_REQUESTS_PER_MINUTE: 150
                AEGIS_ASANA_WORKSPACE: "999"
                """);
        Map<String, String> env = complete();
        env.put("AEGIS_CONFIG", file.toString());
        env.put("AEGIS_HTTP_PORT", "9191");
        AegisConfig c = AegisConfig.load(Settings.from(env));
        assertThat(c.httpPort()).isEqualTo(9191);
        assertThat(c.asana().requestsPerMinute()).isEqualTo(150);
        assertThat(c.asana().workspaceGid()).isEqualTo("111");
    }

    @Test
    void anUnreadableOrInvalidYamlFileIsNamed(@TempDir Path dir) throws Exception {
        Map<String, String> env = complete();
        env.put("AEGIS_CONFIG", dir.resolve("missing.yml").toString());
        assertThatThrownBy(() -> Settings.from(env)).hasMessageStartingWith("AEGIS_CONFIG:");
        Path bad = dir.resolve("bad.yml");
        Files.writeString(bad, "- just\n- a list\n");
        env.put("AEGIS_CONFIG", bad.toString());
        assertThatThrownBy(() -> Settings.from(env)).hasMessageStartingWith("AEGIS_CONFIG:");
    }
}
