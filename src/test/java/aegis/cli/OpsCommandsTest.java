package aegis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.Settings;
import aegis.testing.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** status, apikey and archive as a person runs them: only the database settings are needed. */
class OpsCommandsTest {
    private static TestDatabase.Schema schema;

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("opscli");
    }

    @AfterAll
    static void tearDown() {
        schema.drop();
    }

    private record Run(int code, String out) {
    }

    private static Run run(String... args) {
        Map<String, String> env = new HashMap<>();
        env.put("AEGIS_DATABASE_URL", schema.database().url());
        env.put("AEGIS_DATABASE_USER", schema.database().user());
        env.put("AEGIS_DATABASE_PASSWORD", schema.database().password());
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = Main.execute(Settings.of(env), args);
            return new Run(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void apiKeyLifecycle() throws Exception {
        Run created = run("apikey", "create", "cli-key");
        assertThat(created.code()).isZero();
        String key = created.out().trim();
        assertThat(key).startsWith("aegis_").hasSize(49);
        assertThat(run("apikey", "create", "cli-key").code()).as("names are unique").isEqualTo(2);
        Run list = run("apikey", "list");
        assertThat(list.out()).contains("cli-key").contains("active").doesNotContain(key);
        try (Connection c = schema.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT key_hash FROM api_keys WHERE name = 'cli-key'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).hasSize(64).doesNotContain(key.substring(6));
        }
        assertThat(run("apikey", "revoke", "cli-key").code()).isZero();
        assertThat(run("apikey", "list").out()).contains("revoked");
        assertThat(run("apikey", "revoke", "cli-key").code()).as("nothing left to revoke").isEqualTo(1);
        assertThat(run("apikey").code()).isEqualTo(2);
    }

    @Test
    void statusForPeopleAndScripts() {
        Run text = run("status");
        assertThat(text.code()).isZero();
        assertThat(text.out()).contains("orchestrator stopped").contains("Queue:").contains("pending 0");
        Run json = run("status", "--json");
        assertThat(json.code()).isZero();
        assertThat(json.out()).contains("\"queue\"").contains("\"orchestrator\"").contains("\"today\"");
    }

    @Test
    void archiveDryRunChangesNothing() throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO webhooks (payload, status, processed_at) VALUES ('{}', 'processed', now() - interval '30 days')");
            // An old execution of a completed task, and an old event: dispatch's tables, reached through dispatch.
            st.execute("INSERT INTO projects (asana_gid) VALUES ('p-archive')");
            st.execute("INSERT INTO tasks (asana_gid, project_id, completed) "
                    + "SELECT 't-archive', id, true FROM projects WHERE asana_gid = 'p-archive'");
            st.execute("INSERT INTO task_executions (task_id, status, outcome, finished_at) "
                    + "SELECT id, 'completed', 'done', now() - interval '100 days' FROM tasks WHERE asana_gid = 't-archive'");
            st.execute("INSERT INTO agent_events (event_type, created_at) VALUES ('started', now() - interval '40 days')");
        }
        Run dry = run("archive", "--dry-run");
        assertThat(dry.code()).isZero();
        assertThat(dry.out()).contains("Dry run").containsPattern("inbox\\s+1\\s")
                .containsPattern("executions\\s+1\\s").containsPattern("agent_events\\s+1\\s");
        Run real = run("archive");
        assertThat(real.code()).isZero();
        assertThat(real.out()).containsPattern("inbox\\s+1\\s").containsPattern("executions\\s+1\\s")
                .containsPattern("agent_events\\s+1\\s");
        assertThat(run("archive", "--dry-run").out()).containsPattern("inbox\\s+0\\s")
                .containsPattern("executions\\s+0\\s").containsPattern("agent_events\\s+0\\s");
    }
}
