package aegis.dispatch;

import static aegis.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.governance.ApprovalStage;
import aegis.governance.ApprovalTexts;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.sync.TaskSignal;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Approvals end to end: the echo agent, the real Asana client against the simulator over HTTP,
 * real PostgreSQL. The mirror's rows and the signals are written as sync writes them (as in
 * {@link DispatchEndToEndTest}); {@link ApprovalProductPathTest} takes the webhook road.
 */
class ApprovalEndToEndTest {
    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static SimHttp person;
    private static Map<String, Object> world;
    private static String bot;
    private static String human;
    private static String runProject;
    private static String finishProject;
    private static String guardedProject;
    private static String quickProject;
    private static String plainProject;
    private static String sectionProject;

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("approval_e2e");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        person = new SimHttp(sim.rootUrl());
        world = person.reset(Map.of("seed", "empty", "projects", 6, "tasksPerProject", 0));
        bot = (String) world.get("botUser");
        human = (String) world.get("humanUser");
        @SuppressWarnings("unchecked")
        List<String> projects = (List<String>) world.get("projects");
        runProject = projects.get(0);
        finishProject = projects.get(1);
        guardedProject = projects.get(2);
        quickProject = projects.get(3);
        plainProject = projects.get(4);
        sectionProject = projects.get(5);
    }

    @AfterAll
    static void tearDown() {
        if (sim != null) {
            sim.close();
        }
        if (schema != null) {
            schema.drop();
        }
    }

    private static TestApp app() {
        AegisConfig config = new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(),
                (String) world.get("token"), (String) world.get("workspace"), Optional.empty(),
                List.of(runProject, finishProject, guardedProject, quickProject, plainProject, sectionProject), 1500),
                Optional.empty(), 0);
        Map<String, Object> s = new HashMap<>();
        s.put("AEGIS_DISPATCH_BACKOFF_SECONDS", "1");
        s.put("AEGIS_DISPATCH_LEASE_SECONDS", "5");
        s.put("AEGIS_DISPATCH_RENEW_SECONDS", "1");
        s.put("AEGIS_DEFAULT_AGENT", "echo");
        s.put("projects", Map.of(
                runProject, Map.of("approval", "before_run", "approvers", List.of(human)),
                finishProject, Map.of("approval", "before_finish"),
                // Nobody in the simulator is this approver: the person's "approve" must not count.
                guardedProject, Map.of("approval", "before_run", "approvers", List.of("1")),
                quickProject, Map.of("approval", "before_run", "approval_timeout", "1s"),
                plainProject, Map.of("approval", "none"),
                sectionProject, Map.of("approval", "before_finish", "on_done", "section:Done")));
        return TestApp.start(config, Settings.of(s), Map.of("aegis.sync.enabled", "false",
                "aegis.webhooks.enabled", "false", "aegis.jobs.enabled", "false"));
    }

    /** A person assigns a new task to the bot; the mirror's rows, then the signal, as sync does it. */
    private static Task assign(TestApp app, String project, String name, String tag) throws Exception {
        String gid = person.createTask(Map.of("project", project, "name", name, "assignee", bot));
        long taskId;
        try (Connection c = schema.connect()) {
            taskId = Mirror.task(c, Mirror.project(c, project), gid, name, bot);
            if (tag != null) {
                // The simulator has no tags: the mirror is given what sync writes for a tagged task.
                try (PreparedStatement ps = c.prepareStatement("UPDATE tasks SET tags = ?::jsonb WHERE id = ?")) {
                    ps.setString(1, "[{\"gid\": \"88" + taskId + "\", \"name\": \"" + tag + "\"}]");
                    ps.setLong(2, taskId);
                    ps.executeUpdate();
                }
            }
        }
        if (app != null) {
            publish(app, new TaskSignal.AssignedToBot(taskId, gid, human));
        }
        return new Task(taskId, gid);
    }

    record Task(long id, String gid) {
    }

    /** A person comments in Asana; sync mirrors it; the signal follows when a daemon runs ({@code app} not null). */
    private static String comment(TestApp app, Task t, String text) throws Exception {
        Map<String, Object> story = person.comment(t.gid(), text, human);
        String storyGid = (String) story.get("gid");
        try (Connection c = schema.connect()) {
            Mirror.comment(c, t.id(), storyGid, human, text);
        }
        if (app != null) {
            publish(app, new TaskSignal.PersonCommented(t.id(), t.gid(), storyGid, human));
        }
        return storyGid;
    }

    private static void publish(TestApp app, TaskSignal s) {
        app.context().getEventPublisher(TaskSignal.class).publishEvent(s);
    }

    record Row(long id, String status, String outcome, String kind, int attempt) {
    }

    private static List<Row> executions(long taskId) {
        try (Connection c = schema.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT id, status, outcome, kind, attempt FROM task_executions WHERE task_id = ? ORDER BY id")) {
            ps.setLong(1, taskId);
            List<Row> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5)));
                }
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String status(long taskId, int index) {
        List<Row> rows = executions(taskId);
        return rows.size() > index ? rows.get(index).status() : "none";
    }

    private static List<String> strings(String sql, Object... args) {
        try (Connection c = schema.connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The approvals of an execution, as "stage:status". */
    private static List<String> approvals(long executionId) {
        return strings("SELECT stage || ':' || status FROM approvals WHERE execution_id = ? ORDER BY id", executionId);
    }

    /** Whether the agent ran for the execution (the echo agent's process started). */
    private static boolean agentRan(long executionId) {
        return !strings("SELECT event_type FROM agent_events WHERE execution_id = ? AND event_type = 'process_started'",
                executionId).isEmpty();
    }

    private static boolean completed(String gid) {
        return Boolean.TRUE.equals(person.task(gid).get("completed"));
    }

    @Test
    void beforeRunWaitsForAnApproverAndLosesNothingAcrossARestart() throws Exception {
        Task t;
        long id;
        try (TestApp app = app()) {
            t = assign(app, runProject, "Summarise the hiring plan", null);
            await("the approval request", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("awaiting_approval"));
            id = executions(t.id()).get(0).id();
            List<String> asked = person.commentsContaining(t.gid(), ApprovalTexts.marker(ApprovalStage.BEFORE_RUN, id));
            assertThat(asked).hasSize(1);
            assertThat(asked.get(0)).contains("Agent: echo").contains("Budget left: no budget configured")
                    .contains("Summarise the hiring plan").contains("approve").contains("approvers: " + human);
            assertThat(executions(t.id()).get(0).attempt()).as("asking is not an attempt").isZero();
            // Someone's comment that is neither approve nor reject decides nothing.
            comment(app, t, "What does this cost?");
            Thread.sleep(1500);
            assertThat(status(t.id(), 0)).isEqualTo("awaiting_approval");
            assertThat(agentRan(id)).as("no agent runs before approval").isFalse();
            assertThat(person.commentsContaining(t.gid(), Execution.marker(id))).isEmpty();
        }
        // The daemon is down when the person approves: the comment reaches only the mirror.
        String approval = comment(null, t, "Approved, go ahead");
        try (TestApp app = app()) {
            Thread.sleep(500);
            assertThat(status(t.id(), 0)).as("waiting survived the restart").isEqualTo("awaiting_approval");
            app.context().getBean(ApprovalSweep.class).run();
            await("the answer", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("completed"));
            assertThat(agentRan(id)).isTrue();
            List<String> answers = person.commentsContaining(t.gid(), Execution.marker(id));
            assertThat(answers).hasSize(1);
            assertThat(answers.get(0)).contains("Echo: Summarise the hiring plan");
            assertThat(completed(t.gid())).isTrue();
            assertThat(approvals(id)).containsExactly("before_run:approved");
            assertThat(strings("SELECT decision_comment_gid FROM approvals WHERE execution_id = ?", id))
                    .containsExactly(approval);
            // The same comment delivered again (a duplicate webhook) approves nothing twice.
            publish(app, new TaskSignal.PersonCommented(t.id(), t.gid(), approval, human));
            app.context().getBean(ApprovalSweep.class).run();
            assertThat(app.context().getBean(Reconciler.class).reconcile()).isZero();
            Thread.sleep(500);
            assertThat(executions(t.id())).hasSize(1);
            assertThat(person.commentsContaining(t.gid(), ApprovalTexts.marker(ApprovalStage.BEFORE_RUN, id))).hasSize(1);
            assertThat(person.commentsContaining(t.gid(), "— Aegis · run ")).hasSize(1);
        }
    }

    @Test
    void rejectCancelsWithAShortReplyAndRunsNothing() throws Exception {
        try (TestApp app = app()) {
            Task t = assign(app, runProject, "Delete the staging database", null);
            await("the approval request", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("awaiting_approval"));
            long id = executions(t.id()).get(0).id();
            comment(app, t, "Reject - not this week");
            await("the cancellation", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("cancelled"));
            List<String> replies = person.commentsContaining(t.gid(), Execution.marker(id));
            assertThat(replies).hasSize(1);
            assertThat(replies.get(0)).contains("Rejected (not this week): I will not run this.");
            assertThat(agentRan(id)).isFalse();
            assertThat(completed(t.gid())).isFalse();
            assertThat(approvals(id)).containsExactly("before_run:rejected");
            assertThat(app.context().getBean(Reconciler.class).reconcile()).as("a rejection is not asked again").isZero();
        }
    }

    @Test
    void aNonApproversApprovalDoesNothing() throws Exception {
        try (TestApp app = app()) {
            Task t = assign(app, guardedProject, "Rotate the API keys", null);
            await("the approval request", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("awaiting_approval"));
            long id = executions(t.id()).get(0).id();
            comment(app, t, "approve");
            comment(app, t, "lgtm");
            app.context().getBean(ApprovalSweep.class).run();
            Thread.sleep(1500);
            assertThat(status(t.id(), 0)).isEqualTo("awaiting_approval");
            assertThat(approvals(id)).containsExactly("before_run:waiting");
            assertThat(agentRan(id)).isFalse();
        }
    }

    @Test
    void beforeFinishCompletesTheTaskOnlyAfterApproval() throws Exception {
        try (TestApp app = app()) {
            Task t = assign(app, finishProject, "Draft the press release", null);
            await("the proposed answer", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("awaiting_approval"));
            Row e = executions(t.id()).get(0);
            assertThat(e.outcome()).isEqualTo("done");
            List<String> proposed = person.commentsContaining(t.gid(), ApprovalTexts.marker(ApprovalStage.BEFORE_FINISH, e.id()));
            assertThat(proposed).hasSize(1);
            assertThat(proposed.get(0)).contains("Proposed answer").contains("Echo: Draft the press release");
            Thread.sleep(1000);
            assertThat(completed(t.gid())).as("not completed before approval").isFalse();
            assertThat(person.commentsContaining(t.gid(), Execution.marker(e.id()))).isEmpty();

            comment(app, t, "LGTM!");
            await("the completion", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("completed"));
            assertThat(completed(t.gid())).isTrue();
            List<String> last = person.commentsContaining(t.gid(), Execution.marker(e.id()));
            assertThat(last).hasSize(1);
            assertThat(last.get(0)).contains("Approved");
            assertThat(approvals(e.id())).containsExactly("before_finish:approved");
            await("the approved answer indexed", Duration.ofSeconds(10),
                    () -> !strings("SELECT body FROM memories WHERE execution_id = ?", e.id()).isEmpty());
            assertThat(strings("SELECT body FROM memories WHERE execution_id = ?", e.id()))
                    .as("the agent's answer, not the approval's word")
                    .containsExactlyElementsOf(strings("SELECT result FROM task_executions WHERE id = ?", e.id()))
                    .allMatch(body -> body.startsWith("Echo: Draft the press release"));
            assertThat(executions(t.id())).hasSize(1);
            assertThat(app.context().getBean(Reconciler.class).reconcile()).isZero();
        }
    }

    @Test
    void aRejectionWithACommentBecomesAFollowUpRunThatGetsIt() throws Exception {
        try (TestApp app = app()) {
            Task t = assign(app, finishProject, "Write the outage summary", null);
            await("the proposed answer", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("awaiting_approval"));
            long first = executions(t.id()).get(0).id();
            comment(app, t, "reject: say which region was down");
            await("the revised proposal", Duration.ofSeconds(20), () -> status(t.id(), 1).equals("awaiting_approval"));
            List<Row> rows = executions(t.id());
            assertThat(rows.get(0).status()).isEqualTo("cancelled");
            assertThat(rows.get(1).kind()).isEqualTo("follow_up");
            assertThat(approvals(first)).containsExactly("before_finish:rejected");
            List<String> revised = person.commentsContaining(t.gid(),
                    ApprovalTexts.marker(ApprovalStage.BEFORE_FINISH, rows.get(1).id()));
            assertThat(revised).hasSize(1);
            assertThat(revised.get(0)).as("the follow-up run got the comment").contains("say which region was down");
            assertThat(completed(t.gid())).isFalse();
        }
    }

    @Test
    void aWaitLongerThanTheTimeoutIsCancelledWithAComment() throws Exception {
        try (TestApp app = app()) {
            Task t = assign(app, quickProject, "Archive last year's tickets", null);
            await("the approval request", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("awaiting_approval"));
            long id = executions(t.id()).get(0).id();
            app.context().getBean(ApprovalSweep.class).run();
            assertThat(status(t.id(), 0)).as("not before the timeout").isEqualTo("awaiting_approval");
            Thread.sleep(1200);
            app.context().getBean(ApprovalSweep.class).run();
            await("the cancellation", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("cancelled"));
            List<String> said = person.commentsContaining(t.gid(), Execution.marker(id));
            assertThat(said).hasSize(1);
            assertThat(said.get(0)).contains("No approval came within 1s");
            assertThat(approvals(id)).containsExactly("before_run:expired");
            assertThat(agentRan(id)).isFalse();
        }
    }

    @Test
    void theApproveTagMakesATaskWaitInAProjectWithoutApprovals() throws Exception {
        try (TestApp app = app()) {
            Task t = assign(app, plainProject, "Send the invoice reminders", "aegis:approve");
            await("the approval request", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("awaiting_approval"));
            long id = executions(t.id()).get(0).id();
            assertThat(executions(t.id()).get(0).kind()).isEqualTo("initial");
            assertThat(strings("SELECT agent_type FROM task_executions WHERE id = ?", id))
                    .as("the tag names no agent kind").containsExactly("echo");
            assertThat(person.commentsContaining(t.gid(), ApprovalTexts.marker(ApprovalStage.BEFORE_RUN, id))).hasSize(1);
            assertThat(agentRan(id)).isFalse();
            comment(app, t, "yes");
            await("the answer", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("completed"));
            assertThat(person.commentsContaining(t.gid(), Execution.marker(id))).singleElement().asString()
                    .contains("Echo: Send the invoice reminders");
        }
    }

    @Test
    void oneCommentDecidesOneStage() throws Exception {
        try (TestApp app = app()) {
            // Tagged in a before_finish project: it waits before the run and again before finishing.
            Task t = assign(app, finishProject, "Tidy the wiki's front page", "aegis:approve");
            await("the approval request", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("awaiting_approval"));
            long id = executions(t.id()).get(0).id();
            assertThat(agentRan(id)).isFalse();
            String first = comment(app, t, "approve");
            await("the proposed answer", Duration.ofSeconds(20), () -> approvals(id).size() == 2
                    && status(t.id(), 0).equals("awaiting_approval"));
            assertThat(agentRan(id)).isTrue();
            assertThat(person.commentsContaining(t.gid(), ApprovalTexts.marker(ApprovalStage.BEFORE_FINISH, id)))
                    .singleElement().asString().contains("Echo: Tidy the wiki's front page");
            // The first approval, delivered again, does not approve the finish.
            publish(app, new TaskSignal.PersonCommented(t.id(), t.gid(), first, human));
            app.context().getBean(ApprovalSweep.class).run();
            Thread.sleep(1000);
            assertThat(status(t.id(), 0)).isEqualTo("awaiting_approval");
            assertThat(approvals(id)).containsExactly("before_run:approved", "before_finish:waiting");
            assertThat(completed(t.gid())).isFalse();

            comment(app, t, "approved");
            await("the completion", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("completed"));
            assertThat(completed(t.gid())).isTrue();
            assertThat(approvals(id)).containsExactly("before_run:approved", "before_finish:approved");
            assertThat(executions(t.id())).hasSize(1);
        }
    }

    @Test
    void aCommentMadeWhileAnAnswerWaitsIsAFollowUpOnceItIsApproved() throws Exception {
        try (TestApp app = app()) {
            Task t = assign(app, sectionProject, "Outline the migration guide", null);
            await("the proposed answer", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("awaiting_approval"));
            comment(app, t, "Also cover the rollback steps");
            comment(app, t, "approve");
            await("the approved answer", Duration.ofSeconds(20), () -> status(t.id(), 0).equals("completed"));
            assertThat(String.valueOf(person.task(t.gid()).get("memberships"))).contains("Done");
            assertThat(app.context().getBean(Reconciler.class).reconcile())
                    .as("the comment made meanwhile asks for a follow-up").isEqualTo(1);
            await("the follow-up's proposal", Duration.ofSeconds(20), () -> status(t.id(), 1).equals("awaiting_approval"));
            assertThat(executions(t.id()).get(1).kind()).isEqualTo("follow_up");
            assertThat(person.commentsContaining(t.gid(),
                    ApprovalTexts.marker(ApprovalStage.BEFORE_FINISH, executions(t.id()).get(1).id())))
                    .singleElement().asString().as("the follow-up read the thread").contains("Thread: 2 comment(s)");
        }
    }
}
