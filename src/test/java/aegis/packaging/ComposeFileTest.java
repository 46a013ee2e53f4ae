package aegis.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/compose.yaml must not start with a password everybody knows: every use of
 * AEGIS_DATABASE_PASSWORD is compose's required form ${VAR:?message}, so `docker compose up`
 * stops with that message while the variable is unset or empty.
 */
class ComposeFileTest {
    private static final Path COMPOSE = Path.of("").toAbsolutePath().resolve("deploy/compose.yaml");

    @Test
    void theDatabasePasswordIsRequiredAndHasNoDefault() throws Exception {
        assertThat(COMPOSE).as("run the tests from the repository root, where deploy/compose.yaml is").exists();
        String text = Files.readString(COMPOSE);
        assertThat(text).as("deploy/compose.yaml").doesNotContainIgnoringCase("change-me");

        Map<String, Object> services = map(new Yaml().<Map<String, Object>>load(text).get("services"));
        String postgres = (String) map(map(services.get("postgres")).get("environment")).get("POSTGRES_PASSWORD");
        String aegis = (String) map(map(services.get("aegis")).get("environment")).get("AEGIS_DATABASE_PASSWORD");
        for (String value : List.of(postgres, aegis)) {
            assertThat(value).as("a database password in deploy/compose.yaml")
                    .matches("\\$\\{AEGIS_DATABASE_PASSWORD:\\?[^}]*AEGIS_DATABASE_PASSWORD[^}]*\\}");
        }
        // No other spelling (${VAR}, ${VAR:-x}, ${VAR-x}, $VAR) may slip a default back in.
        Matcher uses = Pattern.compile("\\$\\{?AEGIS_DATABASE_PASSWORD([^A-Z_]?.?)").matcher(text);
        int count = 0;
        while (uses.find()) {
            count++;
            assertThat(uses.group(1)).as("use #%d of AEGIS_DATABASE_PASSWORD in deploy/compose.yaml", count).isEqualTo(":?");
        }
        assertThat(count).as("uses of ${AEGIS_DATABASE_PASSWORD…} in deploy/compose.yaml").isEqualTo(2);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertThat(o).as("a mapping in deploy/compose.yaml").isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }
}
