package aegis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.Settings;
import aegis.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class MainTest {
    record Run(int exit, String out, String err) {
    }

    static Run run(Map<String, String> env, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = Main.execute(Settings.from(env), args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void anUnknownCommandPrintsUsageAndExits2() {
        Run r = run(Map.of(), "frobnicate");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("frobnicate").contains("Usage:");
    }

    @Test
    void versionIsTheBuildsVersion() {
        Run r = run(Map.of(), "--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out().trim()).isEqualTo("aegis " + aegis.status.Version.current());
    }

    @Test
    void noCommandIsBadUsage() {
        Run r = run(Map.of());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("Usage:");
    }

    @Test
    void runWithoutTheAsanaTokenExits2AndNamesIt() {
        Map<String, String> env = new HashMap<>();
        env.put("AEGIS_DATABASE_URL", "jdbc:postgresql://localhost/aegis");
        env.put("AEGIS_ASANA_WORKSPACE", "1");
        env.put("AEGIS_ASANA_PROJECTS", "2");
        Run r = run(env, "run");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("ASANA_ACCESS_TOKEN");
    }

    @Test
    void runWithMoreArgumentsIsParsedLikeEveryCommand() {
        // Only a bare `run` skips the parser: anything after it is still checked.
        Run bogus = run(Map.of(), "run", "--bogus");
        assertThat(bogus.exit()).isEqualTo(2);
        assertThat(bogus.err()).contains("--bogus").contains("Usage:");
    }

    @Test
    void migrateWithoutADatabaseExits2AndNamesIt() {
        Run r = run(Map.of(), "migrate");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("AEGIS_DATABASE_URL");
    }

    @Test
    void migrateTwiceReportsNothingToDoTheSecondTime() {
        // A schema of its own that migrate (not the test helper) creates: the first run applies.
        var server = TestDatabase.server();
        String schema = "t_migratecli_" + Long.toHexString(System.nanoTime());
        Supplier<Map<String, String>> env = () -> {
            Map<String, String> m = new HashMap<>();
            m.put("AEGIS_DATABASE_URL", server.url() + (server.url().contains("?") ? "&" : "?")
                    + "currentSchema=" + schema);
            if (server.user() != null) {
                m.put("AEGIS_DATABASE_USER", server.user());
            }
            if (server.password() != null) {
                m.put("AEGIS_DATABASE_PASSWORD", server.password());
            }
            return m;
        };
        try (var c = java.sql.DriverManager.getConnection(server.url(), server.user(), server.password());
             var st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        try {
            Run first = run(env.get(), "migrate");
            assertThat(first.exit()).as(first.err()).isEqualTo(0);
            assertThat(first.out()).startsWith("Applied ");
            Run second = run(env.get(), "migrate");
            assertThat(second.exit()).isEqualTo(0);
            assertThat(second.out()).contains("nothing to do");
        } finally {
            new TestDatabase.Schema(schema, server, server).drop();
        }
    }
}
