package aegis.asana;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.AegisConfig;
import aegis.sim.AsanaSimulator;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The daemon's context wires one client from AegisConfig, and BotIdentity asks Asana once. */
class AsanaBeansTest {
    @Test
    void theContextHasOneClientAndACachedBotIdentity() {
        TestDatabase.Schema schema = TestDatabase.freshSchema("asana_beans");
        try (AsanaSimulator sim = AsanaSimulator.start()) {
            AsanaSimulator.SimWorld w = sim.world();
            AegisConfig config = new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(), w.token(),
                    w.workspace(), Optional.of(w.portfolio()), List.of(), 1500), Optional.empty(), 0);
            try (TestApp app = TestApp.start(config, Map.of("aegis.sync.enabled", "false",
                    "aegis.webhooks.enabled", "false", "aegis.dispatch.enabled", "false", "aegis.jobs.enabled", "false"))) {
                AsanaClient client = app.context().getBean(AsanaClient.class);
                assertThat(app.context().getBean(AsanaClient.class)).isSameAs(client);
                BotIdentity bot = app.context().getBean(BotIdentity.class);
                assertThat(bot.gid()).isEqualTo(w.botUser());
                assertThat(bot.me().name()).isEqualTo("Aegis Bot");
                assertThat(sim.requests().count("GET", "/users/me")).isEqualTo(1);
                assertThat(app.context().getBean(TransportLimits.class).rateLimiter().getRateLimiterConfig()
                        .getLimitRefreshPeriod().toMillis()).as("1,500 a minute, with slack").isEqualTo(40);
            }
        } finally {
            schema.drop();
        }
    }
}
