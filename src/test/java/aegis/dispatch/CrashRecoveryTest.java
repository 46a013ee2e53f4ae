package aegis.dispatch;

import aegis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.sim.AsanaSimulator;
import aegis.sim.SimFaults;
import aegis.sim.SimOptions;
import aegis.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A daemon ({@code aegis run} in a child JVM) killed with SIGKILL mid-execution: the next
 * daemon rescues the execution once its lease expires and answers exactly once. Each test has
 * a schema and a simulated workspace of its own.
 */
class CrashRecoveryTest {
    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static SimHttp person;
    private static Map<String, Object> world;

    @BeforeEach
    void setUp() {
        schema = TestDatabase.freshSchema("dispatch_crash");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        person = new SimHttp(sim.rootUrl());
        world = person.reset(Map.of("seed", "empty", "projects", 1, "tasksPerProject", 0));
    }

    @AfterEach
    void tearDown() {
        sim.close();
        schema.drop();
    }

    private static Process daemon(String name) throws Exception {
        return ChildDaemon.start(name, schema, sim, world, Map.of("AEGIS_ECHO_DELAY_MS", "4000",
                "AEGIS_DEFAULT_AGENT", "echo"), "crash-" + name + ".log");
    }

    @SuppressWarnings("unchecked")
    private static List<String> projects() {
        return (List<String>) world.get("projects");
    }

    private static String query(String sql) {
        try (Connection c = schema.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(String what, Duration max, BooleanSupplier ok) throws InterruptedException {
        Eventually.await(what + " (see target/crash-*.log)", max, ok);
    }

    @Test
    void aKilledDaemonsExecutionIsRescuedAndAnsweredOnce() throws Exception {
        String bot = (String) world.get("botUser");
        String gid = person.createTask(Map.of("project", projects().get(0), "name", "Survive the crash",
                "assignee", bot));
        try (Connection c = schema.connect()) {
            Mirror.task(c, Mirror.project(c, projects().get(0)), gid, "Survive the crash", bot);
        }

        Process first = daemon("first");
        try {
            await("the first daemon to start the agent", Duration.ofSeconds(60),
                    () -> "1".equals(query("SELECT count(*) FROM agent_events WHERE event_type = 'process_started'")));
        } finally {
            first.destroyForcibly();
            assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(query("SELECT status || '/' || split_part(lease_owner, ':', 1) FROM task_executions"))
                .isEqualTo("running/first");
        assertThat(person.commentsContaining(gid, "— Aegis")).isEmpty();

        Process second = daemon("second");
        try {
            await("the rescued execution to finish", Duration.ofSeconds(60),
                    () -> "completed".equals(query("SELECT status FROM task_executions")));
            String id = query("SELECT id FROM task_executions");
            assertThat(query("SELECT attempt FROM task_executions")).isEqualTo("2");
            assertThat(query("SELECT count(*) FROM task_executions")).isEqualTo("1");
            assertThat(person.commentsContaining(gid, Execution.marker(Long.parseLong(id)))).hasSize(1);
            assertThat(person.commentsContaining(gid, "— Aegis")).hasSize(1);
            assertThat(person.task(gid).get("completed")).isEqualTo(true);
            assertThat(query("SELECT status FROM agents WHERE instance_id = 'first'")).isEqualTo("stopped");
        } finally {
            second.destroy();
            assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(second.exitValue()).isZero();
        assertThat(query("SELECT count(*) FROM agents WHERE instance_id = 'second' AND status <> 'stopped'"))
                .as("SIGTERM stops the pool cleanly").isEqualTo("0");
    }

    /**
     * SIGKILL after the bot completed the task in Asana and before the execution was marked
     * finished (its own completion not yet in the mirror): the next daemon's full sync sees the
     * task completed, which must not cancel the answered execution; it is rescued, finds its
     * answer (no second comment) and ends as completed with that answer's story.
     */
    @Test
    void aDaemonKilledAfterAnsweringRecordsTheRunAsCompleted() throws Exception {
        String bot = (String) world.get("botUser");
        String gid = person.createTask(Map.of("project", projects().get(0), "name", "Answer, then crash",
                "assignee", bot));
        try (Connection c = schema.connect()) {
            Mirror.task(c, Mirror.project(c, projects().get(0)), gid, "Answer, then crash", bot);
        }
        // Slow answers in Asana leave time to hold the execution's ending at that exact point.
        sim.faults(new SimFaults(0, 0, 700, 0, 0, 1));
        Process first = daemon("answerer");
        try (Connection hold = schema.connect()) {
            await("the outcome recorded", Duration.ofSeconds(60), () -> "done".equals(
                    query("SELECT outcome FROM task_executions t JOIN tasks k ON k.id = t.task_id "
                            + "WHERE k.asana_gid = '" + gid + "'")));
            // The daemon's next writes (its own completion in the mirror, then the ending) wait here.
            hold.setAutoCommit(false);
            try (Statement st = hold.createStatement()) {
                st.execute("SELECT 1 FROM tasks WHERE asana_gid = '" + gid + "' FOR UPDATE");
                st.execute("SELECT 1 FROM task_executions e JOIN tasks k ON k.id = e.task_id "
                        + "WHERE k.asana_gid = '" + gid + "' FOR UPDATE OF e");
            }
            await("the bot to complete the task in Asana", Duration.ofSeconds(30),
                    () -> Boolean.TRUE.equals(person.task(gid).get("completed")));
            first.destroyForcibly();
            assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();
            hold.rollback();
        } finally {
            first.destroyForcibly();
            sim.faults(SimFaults.NONE);
        }
        String where = " FROM task_executions e JOIN tasks k ON k.id = e.task_id WHERE k.asana_gid = '" + gid + "'";
        assertThat(query("SELECT e.status || '/' || e.outcome" + where)).isEqualTo("running/done");
        assertThat(query("SELECT k.completed::text" + where)).as("the bot's completion is not in the mirror")
                .isEqualTo("false");
        String id = query("SELECT e.id" + where);
        assertThat(person.commentsContaining(gid, Execution.marker(Long.parseLong(id)))).hasSize(1);

        Process second = daemon("after-answer");
        try {
            await("the rescued execution to end", Duration.ofSeconds(60),
                    () -> !List.of("running", "pending").contains(query("SELECT e.status" + where)));
            assertThat(query("SELECT e.status || '/' || e.outcome" + where)).isEqualTo("completed/done");
            String story = query("SELECT e.answer_story_gid" + where);
            assertThat(person.stories(gid)).filteredOn(st -> story.equals(st.get("gid")))
                    .singleElement().satisfies(st -> assertThat((String) st.get("text"))
                            .endsWith(Execution.marker(Long.parseLong(id))));
            assertThat(person.commentsContaining(gid, "— Aegis")).as("answered once").hasSize(1);
        } finally {
            second.destroy();
            assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }
}
