package aegis.cli;

import static aegis.testing.Eventually.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.dispatch.SimHttp;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code aegis run} checks every bot's token with Asana at start: a refused one stops it, naming the bot. */
class BotTokenStartTest {

    @Test
    void aBadTokenForABotStopsStartUpWithExit2NamingTheBot() throws Exception {
        TestDatabase.Schema schema = TestDatabase.freshSchema("bot_token");
        try (AsanaSimulator sim = AsanaSimulator.start(0, SimOptions.empty())) {
            Map<String, Object> world = new SimHttp(sim.rootUrl())
                    .reset(Map.of("seed", "empty", "projects", 1, "tasksPerProject", 0));
            Path yaml = Files.createTempFile("aegis-bots", ".yaml");
            Files.writeString(yaml, """
                    bots:
                      - name: reviewer
                        token_env: REVIEWER_ASANA_TOKEN
                        persona: Strict and brief.
                    """);
            Map<String, String> env = new HashMap<>();
            env.put("AEGIS_DATABASE_URL", schema.database().url());
            if (schema.database().user() != null) {
                env.put("AEGIS_DATABASE_USER", schema.database().user());
            }
            if (schema.database().password() != null) {
                env.put("AEGIS_DATABASE_PASSWORD", schema.database().password());
            }
            env.put("AEGIS_CONFIG", yaml.toString());
            env.put("ASANA_ACCESS_TOKEN", (String) world.get("token"));
            env.put("REVIEWER_ASANA_TOKEN", "not-a-token-asana-knows");
            env.put("AEGIS_ASANA_BASE_URL", sim.baseUrl().toString());
            env.put("AEGIS_ASANA_WORKSPACE", (String) world.get("workspace"));
            env.put("AEGIS_ASANA_PROJECTS", String.join(",", (List<String>) world.get("projects")));
            env.put("AEGIS_HTTP_PORT", String.valueOf(freePort()));
            env.put("AEGIS_ADMIN_PORT", String.valueOf(freePort()));

            MainTest.Run r = MainTest.run(env, "run");

            assertThat(r.exit()).as(r.err()).isEqualTo(Main.USAGE).isEqualTo(2);
            assertThat(r.err()).contains("bot 'reviewer'").contains("REVIEWER_ASANA_TOKEN")
                    .doesNotContain("not-a-token-asana-knows");
        } finally {
            schema.drop();
        }
    }
}
