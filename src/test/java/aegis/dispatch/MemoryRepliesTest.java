package aegis.dispatch;

import static aegis.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.sync.TaskSignal;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The confirmation of a {@code remember:} comment, against the simulator over HTTP: the same
 * signal twice replies once, and a reply a crash left owed is posted by the periodic run once,
 * or found already posted and not posted again.
 */
class MemoryRepliesTest {
    private static final String MEMORY = "— Aegis · memory ";
    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static SimHttp person;
    private static Map<String, Object> world;
    private static String human;
    private static String project;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void setUp() {
        schema = TestDatabase.freshSchema("memory_replies");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        person = new SimHttp(sim.rootUrl());
        world = person.reset(Map.of("seed", "empty", "projects", 1, "tasksPerProject", 0));
        human = (String) world.get("humanUser");
        project = ((List<String>) world.get("projects")).get(0);
    }

    @AfterAll
    static void tearDown() {
        sim.close();
        schema.drop();
    }

    private static TestApp app() {
        AegisConfig config = new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(),
                (String) world.get("token"), (String) world.get("workspace"), Optional.empty(), List.of(project), 1500),
                Optional.empty(), 0);
        return TestApp.start(config, Settings.of(Map.of("AEGIS_DEFAULT_AGENT", "echo")), Map.of(
                "aegis.sync.enabled", "false", "aegis.webhooks.enabled", "false", "aegis.jobs.enabled", "false"));
    }

    /** A person's comment on a person's task, mirrored as sync writes it; answers the task's gid and row. */
    private static String[] commented(String name, String commentGid, String text) throws Exception {
        String gid = person.createTask(Map.of("project", project, "name", name, "assignee", human));
        person.comment(gid, text, human);
        try (Connection c = schema.connect()) {
            long taskId = Mirror.task(c, Mirror.project(c, project), gid, name, human);
            Mirror.comment(c, taskId, commentGid, human, text);
            return new String[] {gid, String.valueOf(taskId)};
        }
    }

    @Test
    void theSameSignalTwiceRepliesOnce() throws Exception {
        try (TestApp app = app()) {
            String[] t = commented("Conventions", "c-twice", "remember: our release day is Thursday");
            TaskSignal s = new TaskSignal.Remember(Long.parseLong(t[1]), t[0], "c-twice", human);
            app.context().getEventPublisher(TaskSignal.class).publishEvent(s);
            app.context().getEventPublisher(TaskSignal.class).publishEvent(s);
            await("the reply", Duration.ofSeconds(10), () -> !person.commentsContaining(t[0], MEMORY).isEmpty());
            Thread.sleep(500);
            assertThat(person.commentsContaining(t[0], MEMORY)).hasSize(1).allMatch(r ->
                    r.startsWith("Remembered for Project ") && r.contains(": our release day is Thursday"));
            assertThat(schema.strings("SELECT count(*) FROM memories WHERE comment_gid = 'c-twice'"))
                    .containsExactly("1");
        }
    }

    @Test
    void aReplyACrashLeftOwedIsPostedOnceByThePeriodicRun() throws Exception {
        try (TestApp app = app()) {
            MemoryReplies replies = app.context().getBean(MemoryReplies.class);
            aegis.memory.MemoryStore store = app.context().getBean(aegis.memory.MemoryStore.class);
            // Stored, then the daemon stopped before replying.
            String[] owed = commented("Owed", "c-owed", "remember: backups run at two");
            long owedId = store.rememberComment("c-owed").orElseThrow().id();
            // Stored and replied, then the daemon stopped before recording the reply.
            String[] posted = commented("Posted", "c-posted", "remember: the office is closed on Fridays");
            var m = store.rememberComment("c-posted").orElseThrow();
            person.comment(posted[0], "Remembered for it: the office is closed on Fridays\n\n" + m.marker(),
                    (String) world.get("botUser"));
            schema.execute("UPDATE memories SET created_at = now() - interval '10 minutes'");

            replies.run();
            assertThat(person.commentsContaining(owed[0], "— Aegis · memory " + owedId)).hasSize(1);
            assertThat(person.commentsContaining(posted[0], m.marker())).as("found, not posted again").hasSize(1);
            replies.run();
            assertThat(person.commentsContaining(owed[0], MEMORY)).as("once").hasSize(1);
            assertThat(schema.strings("SELECT count(*) FROM memories WHERE reply_story_gid IS NULL "
                    + "AND comment_gid IN ('c-owed', 'c-posted')")).containsExactly("0");
        }
    }
}
