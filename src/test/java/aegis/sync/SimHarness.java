package aegis.sync;

import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.sim.AsanaSimulator;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import aegis.webhook.SecretBox;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The simulator and a daemon against it, on a test's own schema. */
final class SimHarness {
    static final String KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    private SimHarness() {
    }

    /** Config tracking the simulator's projects; with {@code webhooks}, AEGIS_PUBLIC_URL points at {@code port}. */
    static AegisConfig config(TestDatabase.Schema schema, AsanaSimulator sim, int port, boolean webhooks) {
        AsanaSimulator.SimWorld w = sim.world();
        return new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(), w.token(), w.workspace(),
                Optional.empty(), w.projects(), 100_000),
                webhooks ? Optional.of(URI.create("http://127.0.0.1:" + port)) : Optional.empty(), port);
    }

    static Settings settings(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>(Map.of(SecretBox.SETTING, KEY));
        m.putAll(extra);
        return Settings.of(m);
    }

    static TestApp start(AegisConfig config, Settings settings, boolean background) {
        Map<String, Object> props = new HashMap<>(Map.of("aegis.jobs.enabled", false, "aegis.dispatch.enabled", false,
                "aegis.test.record-signals", true));
        if (!background) {
            props.put("aegis.sync.enabled", false);
            props.put("aegis.webhooks.enabled", false);
        }
        return TestApp.start(config, settings, props);
    }

    static long count(TestDatabase.Schema schema, String sql) {
        try (Connection c = schema.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

}
