package aegis.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.asana.AsanaClient;
import aegis.asana.AsanaClientSettings;
import aegis.asana.AsanaException;
import aegis.asana.AsanaModel;
import aegis.asana.BotIdentity;
import aegis.asana.HttpAsanaClient;
import aegis.config.ProjectSettings;
import aegis.db.Jdbc;
import aegis.metrics.Metrics;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.sim.AsanaSimulator.SimWorld;
import aegis.sync.MirrorWriter;
import aegis.sync.TaskReader;
import aegis.testing.TestDatabase;
import aegis.testing.TestHttp;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What follows a posted answer (completing the task) can fail after the answer is in Asana. A
 * refusal there must not make the answer look undelivered (the execution would be recorded as
 * failed, its story lost); a passing failure still fails the report so that it is tried again.
 */
class AnswerFollowUpTest {
    private AsanaSimulator sim;
    private TestDatabase.Schema schema;
    private HikariDataSource ds;
    private HttpAsanaClient client;

    @BeforeEach
    void setUp() {
        sim = AsanaSimulator.start();
        schema = TestDatabase.freshSchema("followup");
        ds = QueueFixtures.pool(schema, 2);
    }

    @AfterEach
    void tearDown() {
        client.close();
        ds.close();
        schema.drop();
        sim.close();
    }

    /** The real client over HTTP, except that completing a task fails as {@code failure} says. */
    private static AsanaClient completingFails(AsanaClient real, Supplier<AsanaException> failure) {
        return (AsanaClient) Proxy.newProxyInstance(AsanaClient.class.getClassLoader(),
                new Class<?>[] {AsanaClient.class}, (proxy, method, args) -> {
                    if (method.getName().equals("updateTask")) {
                        throw failure.get();
                    }
                    if (method.getName().equals("forExecution")) {
                        // The reporter writes through a per-execution view: it must fail the same way.
                        return proxy;
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aRefusedCompletionLeavesTheAnswerDeliveredAndAPassingFailureIsTriedAgain() throws Exception {
        SimWorld w = sim.reset(SimOptions.demo());
        client = TestHttp.asanaClient(AsanaClientSettings.defaults(sim.baseUrl(), w.token(), 100_000)
                .withRetries(2, 2, Duration.ofMillis(10), Duration.ofMillis(50)));
        AsanaModel.Task task = client.projectTasks(w.projects().get(0), Optional.empty()).findFirst().orElseThrow();
        long taskId;
        try (Connection c = ds.getConnection()) {
            taskId = QueueFixtures.tasks(c, QueueFixtures.project(c, w.projects().get(0)), "t", 1, w.botUser()).get(0);
        }
        Jdbc jdbc = new Jdbc(ds);
        ObjectMapper json = new ObjectMapper();
        ProjectSettings.All projects = new ProjectSettings.All(Map.of(), Optional.empty(), Optional.empty());
        BotIdentity bot = new BotIdentity(client);
        MirrorWriter mirror = new MirrorWriter(jdbc, bot, signal -> { }, Metrics.standalone(), json);
        TaskReader tasks = new TaskReader(jdbc, projects, json);

        AsanaResultReporter refused = new AsanaResultReporter(completingFails(client,
                () -> new AsanaException.Forbidden("not allowed to complete this task")), tasks, projects, bot, mirror);
        Execution first = execution(1, taskId, task.gid());
        String story = refused.answer(first, new ResultReporter.Answer.Done("All done."), false);
        assertThat(client.stories(task.gid()).filter(s -> s.gid().equals(story)))
                .singleElement().satisfies(s -> assertThat(s.text()).endsWith(first.marker()));

        AsanaResultReporter flaky = new AsanaResultReporter(completingFails(client,
                () -> new AsanaException.ServerError(503, "service unavailable")), tasks, projects, bot, mirror);
        Execution second = execution(2, taskId, task.gid());
        assertThatThrownBy(() -> flaky.answer(second, new ResultReporter.Answer.Done("Done again."), false))
                .isInstanceOf(AsanaException.ServerError.class);
    }

    private static Execution execution(long id, long taskId, String taskGid) {
        return new Execution(id, taskId, taskGid, "initial", "echo", 1, 3, null, null, null, null, null, 0, "w:1",
                null, Instant.now());
    }
}
