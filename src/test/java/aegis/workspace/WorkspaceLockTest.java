package aegis.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.db.Jdbc;
import aegis.testing.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The worktree lock on real PostgreSQL: a run cancelled while its agent is still stopping keeps
 * the worktree until it lets go itself (or its stop time has passed), so a quick reassignment's
 * execution cannot start a second agent in the same worktree.
 */
class WorkspaceLockTest {
    private static TestDatabase.Schema schema;
    private static WorkspaceStore store;

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("workspace_lock");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(schema.database().url());
        ds.setUser(schema.database().user());
        ds.setPassword(schema.database().password());
        store = new WorkspaceStore(new Jdbc(ds));
    }

    @AfterAll
    static void tearDown() {
        schema.drop();
    }

    private static long insert(String sql) throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long task(String gid) throws Exception {
        long project = insert("INSERT INTO projects (asana_gid, name) VALUES ('p" + gid + "', 'P') RETURNING id");
        return insert("INSERT INTO tasks (asana_gid, project_id, name, asana_created_at) VALUES ('" + gid + "', "
                + project + ", 'T', now()) RETURNING id");
    }

    private static long running(long taskId, String token) throws Exception {
        return insert("INSERT INTO task_executions (task_id, status, lease_owner, lease_until) VALUES (" + taskId
                + ", 'running', '" + token + "', now() + interval '60 seconds') RETURNING id");
    }

    /** What an unassignment does to a running execution (ExecutionStore.cancelForTask). */
    private static void cancel(long executionId) throws Exception {
        schema.execute("UPDATE task_executions SET status = 'cancelled', outcome = 'cancelled', finished_at = now(), "
                + "lease_owner = NULL, lease_until = NULL WHERE id = " + executionId);
    }

    private static boolean lock(long taskId, String gid, long executionId, String token, Duration stop) {
        return store.lock(taskId, "p", gid, Path.of("/nowhere", gid), "aegis/" + gid, "main", executionId, token, stop)
                .isPresent();
    }

    @Test
    void aCancelledRunKeepsItsWorktreeWhileItsAgentStopsAndLetsGoWhenItUnlocks() throws Exception {
        long taskId = task("1001");
        long first = running(taskId, "first");
        assertThat(lock(taskId, "1001", first, "first", Duration.ofSeconds(30))).isTrue();
        cancel(first);
        long second = running(taskId, "second");
        assertThat(lock(taskId, "1001", second, "second", Duration.ofSeconds(30)))
                .as("the cancelled run's agent may still be stopping in the worktree").isFalse();
        assertThat(store.present()).singleElement().satisfies(r -> assertThat(r.locked()).isTrue());
        store.unlock(taskId, "first");
        assertThat(lock(taskId, "1001", second, "second", Duration.ofSeconds(30)))
                .as("once the cancelled run let go itself").isTrue();
    }

    @Test
    void aCancelledRunThatNeverLetsGoLosesTheLockAfterItsStopTime() throws Exception {
        long taskId = task("1002");
        long first = running(taskId, "first");
        assertThat(lock(taskId, "1002", first, "first", Duration.ofSeconds(1))).isTrue();
        cancel(first);
        long second = running(taskId, "second");
        assertThat(lock(taskId, "1002", second, "second", Duration.ofSeconds(1))).isFalse();
        Thread.sleep(1500);
        assertThat(lock(taskId, "1002", second, "second", Duration.ofSeconds(1)))
                .as("a daemon that died while stopping its agent does not hold the worktree forever").isTrue();
    }
}
