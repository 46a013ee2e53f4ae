package aegis.asana;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.sim.AsanaSimulator;
import aegis.sim.AsanaSimulator.SimWorld;
import aegis.sim.SimOptions;
import aegis.testing.TestHttp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The client tells its write listeners of each write, once, against the simulator over HTTP; reads say nothing. */
class WriteListenerTest {
    static AsanaSimulator sim;

    @BeforeAll
    static void start() {
        sim = AsanaSimulator.start();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @Test
    void everyWriteIsToldWithItsExecutionStoryAndResult() {
        SimWorld w = sim.reset(SimOptions.empty().withProjects(1, 0));
        String task = (String) sim.createTask(Map.of("project", w.projects().get(0), "name", "Plan",
                "assignee", w.botUser())).get("gid");
        List<AsanaWrite> heard = new CopyOnWriteArrayList<>();
        AsanaClientSettings s = AsanaClientSettings.defaults(sim.baseUrl(), w.token(), 100_000)
                .withRetries(2, 20, Duration.ofMillis(10), Duration.ofMillis(50));
        try (HttpAsanaClient shared = TestHttp.asanaClient(s, List.of(heard::add))) {
            AsanaClient forRun = shared.forExecution(42);
            AsanaModel.Story story = forRun.postComment(task, "Done.", "— Aegis · run 42", false);
            forRun.task(task);
            // Found before posting: no write, nothing told.
            forRun.postComment(task, "Done.", "— Aegis · run 42", true);
            forRun.updateTask(task, AsanaModel.TaskUpdate.assignTo(w.humanUser()));
            shared.updateTask(task, AsanaModel.TaskUpdate.complete());
            assertThatThrownBy(() -> forRun.postComment("999999999", "x", "— Aegis · run 43", false))
                    .isInstanceOf(AsanaException.NotFound.class);

            assertThat(heard).containsExactly(
                    new AsanaWrite("comment", "POST", "/tasks/" + task + "/stories", task, 42L, story.gid(), "ok"),
                    new AsanaWrite("reassign", "PUT", "/tasks/" + task, task, 42L, null, "ok"),
                    new AsanaWrite("complete", "PUT", "/tasks/" + task, task, null, null, "ok"),
                    new AsanaWrite("comment", "POST", "/tasks/999999999/stories", "999999999", 42L, null,
                            "failed: NotFound 404"));
        }
    }
}
