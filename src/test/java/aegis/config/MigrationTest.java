package aegis.config;

import aegis.db.Migrator;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The schema on a fresh database: every table, key column, constraint and index. */
class MigrationTest {
    private static TestDatabase.Schema schema;

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("migration");
    }

    @AfterAll
    static void tearDown() {
        schema.drop();
    }

    private static List<String> strings(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    @Test
    void everyTableExists() throws Exception {
        try (Connection c = schema.connect()) {
            List<String> tables = strings(c, "SELECT table_name FROM information_schema.tables "
                    + "WHERE table_schema = ? AND table_type = 'BASE TABLE'", schema.name());
            assertThat(tables).contains("projects", "tasks", "task_executions", "agents",
                    "agent_events", "comments", "prompt_templates", "system_state", "webhooks",
                    "webhook_subscriptions", "api_keys", "task_executions_archive", "agent_event_daily_counts",
                    "execution_archive_totals");
        }
    }

    @Test
    void keyColumnsHaveTheirTypes() throws Exception {
        Map<String, String> expected = new HashMap<>();
        expected.put("projects.asana_gid", "text");
        expected.put("projects.updated_at", "timestamp with time zone");
        expected.put("tasks.asana_gid", "text");
        expected.put("tasks.project_id", "bigint");
        expected.put("tasks.custom_fields", "jsonb");
        expected.put("tasks.modified_at", "timestamp with time zone");
        expected.put("tasks.assigned_to_aegis", "boolean");
        expected.put("tasks.parent_task_id", "bigint");
        expected.put("task_executions.lease_until", "timestamp with time zone");
        expected.put("task_executions.cost_usd", "numeric");
        expected.put("task_executions.context", "jsonb");
        expected.put("agents.total_cost_usd", "numeric");
        expected.put("agent_events.data", "jsonb");
        expected.put("comments.asana_gid", "text");
        expected.put("prompt_templates.variables", "jsonb");
        expected.put("webhooks.payload", "jsonb");
        expected.put("webhook_subscriptions.id", "uuid");
        expected.put("webhook_subscriptions.secret_encrypted", "bytea");
        expected.put("api_keys.key_hash", "text");
        expected.put("api_keys.last_used_at", "timestamp with time zone");
        expected.put("execution_archive_totals.executions", "bigint");
        expected.put("execution_archive_totals.cost_usd", "numeric");
        try (Connection c = schema.connect();
             PreparedStatement ps = c.prepareStatement("SELECT table_name || '.' || column_name, data_type, "
                     + "column_default FROM information_schema.columns WHERE table_schema = ?")) {
            ps.setString(1, schema.name());
            Map<String, String> actual = new HashMap<>();
            Map<String, String> defaults = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    actual.put(rs.getString(1), rs.getString(2));
                    defaults.put(rs.getString(1), rs.getString(3));
                }
            }
            expected.forEach((col, type) -> assertThat(actual.get(col)).as(col).isEqualTo(type));
            // Renamed or dropped in V55: nothing may still use them.
            assertThat(actual).doesNotContainKeys("webhooks.body", "projects.metadata", "system_state.data");
            // Moved in V56 to execution_archive_totals.
            assertThat(actual).doesNotContainKeys("system_state.archived_executions", "system_state.archived_cost_usd");
            assertThat(defaults.get("tasks.assigned_to_aegis")).isEqualTo("false");
            // No timestamp without time zone anywhere; every JSONB column has a default.
            actual.forEach((col, type) -> {
                if (col.startsWith("flyway_")) {
                    return;
                }
                assertThat(type).as(col).isNotEqualTo("timestamp without time zone");
                if (type.equals("jsonb") && !col.equals("webhooks.payload")) {
                    assertThat(defaults.get(col)).as("default of " + col).isNotNull();
                }
            });
        }
    }

    @Test
    void uniquenessAndForeignKeys() throws Exception {
        try (Connection c = schema.connect()) {
            List<String> uniques = strings(c, """
                    SELECT tc.table_name || '(' || string_agg(kcu.column_name, ',' ORDER BY kcu.ordinal_position) || ')'
                      FROM information_schema.table_constraints tc
                      JOIN information_schema.key_column_usage kcu
                        ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
                     WHERE tc.table_schema = ? AND tc.constraint_type = 'UNIQUE'
                     GROUP BY tc.table_name, tc.constraint_name""", schema.name());
            assertThat(uniques).contains("projects(asana_gid)", "tasks(asana_gid)", "comments(asana_gid)",
                    "prompt_templates(name,agent_type,version)", "agents(name)", "api_keys(name)",
                    "webhook_subscriptions(asana_webhook_gid)");

            List<String> fks = strings(c, """
                    SELECT con.conrelid::regclass::text || '.' || att.attname || '->' ||
                           con.confrelid::regclass::text || ':' || con.confdeltype::text
                      FROM pg_constraint con
                      JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey)
                     WHERE con.contype = 'f' AND con.connamespace = ?::regnamespace""", schema.name());
            // confdeltype: c = CASCADE, n = SET NULL
            assertThat(fks).contains(
                    "tasks.project_id->projects:c",
                    "comments.task_id->tasks:c",
                    "task_executions.task_id->tasks:c",
                    "task_executions.agent_id->agents:n",
                    "task_executions.prompt_template_id->prompt_templates:n",
                    "agent_events.agent_id->agents:n",
                    "agents.current_task_id->tasks:n",
                    "tasks.parent_task_id->tasks:n",
                    "webhooks.subscription_id->webhook_subscriptions:n",
                    "webhook_subscriptions.project_id->projects:c");
        }
    }

    @Test
    void everyDesignedIndexExists() throws Exception {
        try (Connection c = schema.connect()) {
            Set<String> indexes = new HashSet<>(strings(c,
                    "SELECT indexname FROM pg_indexes WHERE schemaname = ?", schema.name()));
            assertThat(indexes).contains("tasks_project_idx", "tasks_assignee_open_idx",
                    "tasks_parent_idx", "tasks_parent_task_idx", "tasks_modified_idx", "tasks_completed_at_idx",
                    "comments_task_idx", "prompt_templates_one_active", "agents_status_idx",
                    "task_executions_one_open", "task_executions_task_idx", "task_executions_claim_idx",
                    "task_executions_lease_idx", "task_executions_agent_idx",
                    "task_executions_finished_idx", "agent_events_execution_idx",
                    "agent_events_agent_idx", "agent_events_created_idx", "webhooks_pending_idx",
                    "webhooks_processed_idx", "webhook_subscriptions_project_idx", "api_keys_active_idx");
        }
    }

    @Test
    void statusColumnsRejectUnknownValues() throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO projects (asana_gid, name) VALUES ('p-check', 'P')");
            st.execute("INSERT INTO tasks (asana_gid, project_id) SELECT 't-check', id FROM projects WHERE asana_gid = 'p-check'");
            assertThatThrownBy(() -> st.execute("INSERT INTO task_executions (task_id, status) "
                    + "SELECT id, 'exploded' FROM tasks WHERE asana_gid = 't-check'"))
                    .hasMessageContaining("check constraint");
            assertThatThrownBy(() -> st.execute("INSERT INTO agents (name, agent_type, status) VALUES ('a', 'echo', 'sleepy')"))
                    .hasMessageContaining("check constraint");
            assertThatThrownBy(() -> st.execute("INSERT INTO webhooks (payload, status) VALUES ('{}', 'lost')"))
                    .hasMessageContaining("check constraint");
            assertThatThrownBy(() -> st.execute("INSERT INTO agent_events (event_type, level) VALUES ('x', 'loud')"))
                    .hasMessageContaining("check constraint");
            // A running execution must hold a lease.
            assertThatThrownBy(() -> st.execute("INSERT INTO task_executions (task_id, status) "
                    + "SELECT id, 'running' FROM tasks WHERE asana_gid = 't-check'"))
                    .hasMessageContaining("check constraint");
        }
    }

    @Test
    void atMostOneOpenExecutionPerTask() throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO projects (asana_gid) VALUES ('p-open')");
            st.execute("INSERT INTO tasks (asana_gid, project_id) SELECT 't-open', id FROM projects WHERE asana_gid = 'p-open'");
            String insert = "INSERT INTO task_executions (task_id) SELECT id FROM tasks WHERE asana_gid = 't-open'";
            st.execute(insert);
            assertThatThrownBy(() -> st.execute(insert)).hasMessageContaining("task_executions_one_open");
            st.execute("UPDATE task_executions SET status = 'completed', finished_at = now() "
                    + "WHERE task_id = (SELECT id FROM tasks WHERE asana_gid = 't-open')");
            st.execute(insert); // a follow-up once the first has finished
        }
    }

    @Test
    void systemStateHoldsExactlyOneRow() throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            assertThat(strings(c, "SELECT count(*)::text FROM system_state")).containsExactly("1");
            assertThatThrownBy(() -> st.execute("INSERT INTO system_state (id) VALUES (2)"))
                    .hasMessageContaining("check constraint");
            assertThatThrownBy(() -> st.execute("INSERT INTO system_state (id) VALUES (1)"))
                    .hasMessageContaining("duplicate key");
            assertThatThrownBy(() -> st.execute("DELETE FROM system_state"))
                    .hasMessageContaining("exactly one row");
            assertThat(strings(c, "SELECT count(*)::text FROM system_state")).containsExactly("1");
        }
    }

    @Test
    void updatedAtIsKeptCurrentByTrigger() throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO projects (asana_gid, updated_at) VALUES ('p-touch', now() - interval '1 day')");
            st.execute("UPDATE projects SET name = 'renamed' WHERE asana_gid = 'p-touch'");
            assertThat(strings(c, "SELECT (updated_at > now() - interval '1 minute')::text FROM projects "
                    + "WHERE asana_gid = 'p-touch'")).containsExactly("true");
        }
    }

    @Test
    void v55LinksSubtasksStoredBeforeItToTheirParents() throws Exception {
        TestDatabase.Schema old = TestDatabase.schemaAt("migration54", "54");
        try {
            try (Connection c = old.connect(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO projects (asana_gid) VALUES ('p')");
                st.execute("""
                        INSERT INTO tasks (asana_gid, project_id, parent_gid)
                        SELECT g, (SELECT id FROM projects), p
                          FROM (VALUES ('parent', NULL), ('child', 'parent'), ('orphan', 'not-mirrored')) v (g, p)""");
                st.execute("INSERT INTO webhooks (body) VALUES ('{\"events\": []}')");
            }
            Migrator.migrate(old.server(), old.name());
            try (Connection c = old.connect()) {
                assertThat(strings(c, """
                        SELECT t.asana_gid || '->' || coalesce(p.asana_gid, '-') || ':' || t.assigned_to_aegis
                          FROM tasks t LEFT JOIN tasks p ON p.id = t.parent_task_id ORDER BY t.asana_gid"""))
                        .containsExactly("child->parent:false", "orphan->-:false", "parent->-:false");
                assertThat(strings(c, "SELECT payload::text FROM webhooks")).containsExactly("{\"events\": []}");
            }
        } finally {
            old.drop();
        }
    }

    @Test
    void v56CarriesTheArchiveTotalsOverFromSystemState() throws Exception {
        TestDatabase.Schema old = TestDatabase.schemaAt("migration55", "55");
        try {
            try (Connection c = old.connect(); Statement st = c.createStatement()) {
                st.execute("UPDATE system_state SET archived_executions = 1234567, archived_cost_usd = 89.012345 "
                        + "WHERE id = 1");
            }
            Migrator.migrate(old.server(), old.name());
            try (Connection c = old.connect(); Statement st = c.createStatement()) {
                assertThat(strings(c, "SELECT id || ':' || executions || ':' || cost_usd FROM execution_archive_totals"))
                        .containsExactly("1:1234567:89.012345");
                assertThat(strings(c, """
                        SELECT column_name FROM information_schema.columns
                         WHERE table_schema = current_schema() AND table_name = 'system_state'
                           AND column_name LIKE 'archived%'""")).isEmpty();
                assertThatThrownBy(() -> st.execute("DELETE FROM execution_archive_totals"))
                        .hasMessageContaining("exactly one row");
                assertThatThrownBy(() -> st.execute("INSERT INTO execution_archive_totals (id) VALUES (2)"))
                        .hasMessageContaining("check constraint");
            }
        } finally {
            old.drop();
        }
    }

    @Test
    void theSeedDesignColumnsSayWhatTheyMean() throws Exception {
        try (Connection c = schema.connect()) {
            assertThat(strings(c, """
                    SELECT a.attname || ': ' || col_description(a.attrelid, a.attnum)
                      FROM pg_attribute a
                     WHERE a.attrelid = 'tasks'::regclass AND a.attname IN ('assigned_to_aegis', 'parent_task_id')
                     ORDER BY a.attname"""))
                    .satisfiesExactly(
                            s -> assertThat(s).startsWith("assigned_to_aegis: true when assignee_gid is the bot user"),
                            s -> assertThat(s).startsWith("parent_task_id: the parent task's row"));
        }
    }

    @Test
    void applyingTheMigrationsAgainChangesNothing() {
        Migrator.Outcome again = Migrator.migrate(schema.server(), schema.name());
        assertThat(again.applied()).isZero();
    }

    @Test
    void migrationsAreNamedAndOrderedForFlyway() throws Exception {
        try (Connection c = schema.connect()) {
            List<String> versions = strings(c, "SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL ORDER BY installed_rank");
            assertThat(versions).isNotEmpty().startsWith("1");
        }
    }
}
