package aegis.sync;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.asana.AsanaModel.CustomField;
import aegis.asana.AsanaModel.Membership;
import aegis.asana.AsanaModel.Ref;
import aegis.asana.AsanaModel.Story;
import aegis.asana.AsanaModel.Task;
import aegis.testing.TestDatabase;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The mirror's SQL against real PostgreSQL. */
class TaskStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestDatabase.Schema schema;
    private static long projectId;

    @BeforeAll
    static void setUp() throws Exception {
        schema = TestDatabase.freshSchema("taskstore");
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            ResultSet rs = st.executeQuery("INSERT INTO projects (asana_gid, name) VALUES ('500', 'P') RETURNING id");
            rs.next();
            projectId = rs.getLong(1);
        }
    }

    @AfterAll
    static void tearDown() {
        schema.drop();
    }

    static Task task(String gid, String name, String assignee, boolean completed, Instant modified) {
        return new Task(gid, name, "notes " + name, "<body>" + name + "</body>", completed,
                completed ? modified : null, LocalDate.of(2025, 3, 1), null,
                assignee == null ? null : new Ref(assignee, "user", "U" + assignee), null,
                List.of(new Ref("t9", "tag", "urgent")),
                List.of(new CustomField("cf1", "Effort", "number", "3", new BigDecimal("3"), null)),
                List.of(new Membership("500", "P", "s1", "To do")), "https://app/" + gid,
                Instant.parse("2025-01-01T00:00:00Z"), modified);
    }

    private static final String BOT = "100";

    private static TaskStore.Row row(Task t) {
        return new TaskStore.Row(projectId, "500", t);
    }

    @Test
    void upsertsInOneStatementAndRewritesOnlyWhatChanged() throws Exception {
        Instant m = Instant.parse("2025-02-01T10:00:00Z");
        List<TaskStore.Row> rows = new ArrayList<>();
        for (int i = 0; i < 1200; i++) {
            rows.add(row(task("1" + i, "task " + i, i % 10 == 0 ? "100" : null, false, m)));
        }
        try (Connection c = schema.connect()) {
            List<TaskStore.Change> first = TaskStore.upsertTasks(c, rows, Set.of(BOT), JSON);
            assertThat(first).hasSize(1200).allMatch(ch -> ch.before() == null);
            assertThat(TaskStore.upsertTasks(c, rows, Set.of(BOT), JSON)).isEmpty();

            Task renamed = task("10", "renamed", "100", false, m.plusSeconds(5));
            Task done = task("11", "task 1", null, true, m.plusSeconds(6));
            List<TaskStore.Change> second = TaskStore.upsertTasks(c, List.of(row(renamed), row(done), rows.get(2)), Set.of(BOT), JSON);
            assertThat(second).extracting(TaskStore.Change::taskGid).containsExactlyInAnyOrder("10", "11");
            TaskStore.Change ch11 = second.stream().filter(x -> x.taskGid().equals("11")).findFirst().orElseThrow();
            assertThat(ch11.before().completed()).isFalse();
            assertThat(ch11.after().completed()).isTrue();

            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT name, notes, html_notes, "
                    + "assignee_gid, assignee_name, section_gid, section_name, tags->0->>'name', "
                    + "custom_fields->0->>'name', memberships->0->>'projectGid', due_on, modified_at, project_id "
                    + "FROM tasks WHERE asana_gid = '10'")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("renamed");
                assertThat(rs.getString(2)).isEqualTo("notes renamed");
                assertThat(rs.getString(3)).isEqualTo("<body>renamed</body>");
                assertThat(rs.getString(4)).isEqualTo("100");
                assertThat(rs.getString(5)).isEqualTo("U100");
                assertThat(rs.getString(6)).isEqualTo("s1");
                assertThat(rs.getString(7)).isEqualTo("To do");
                assertThat(rs.getString(8)).isEqualTo("urgent");
                assertThat(rs.getString(9)).isEqualTo("Effort");
                assertThat(rs.getString(10)).isEqualTo("500");
                assertThat(rs.getDate(11).toLocalDate()).isEqualTo(LocalDate.of(2025, 3, 1));
                assertThat(rs.getTimestamp(12).toInstant()).isEqualTo(m.plusSeconds(5));
                assertThat(rs.getLong(13)).isEqualTo(projectId);
            }
        }
    }

    @Test
    void anOlderFetchDoesNotOverwriteANewerStateNorRaiseAChange() throws Exception {
        Instant m = Instant.parse("2025-04-01T10:00:00Z");
        try (Connection c = schema.connect()) {
            TaskStore.upsertTasks(c, List.of(row(task("7001", "older", "100", false, m))), Set.of(BOT), JSON);
            List<TaskStore.Change> newer = TaskStore.upsertTasks(c,
                    List.of(row(task("7001", "newer", "200", true, m.plusSeconds(30)))), Set.of(BOT), JSON);
            assertThat(newer).hasSize(1);

            // A fetch that started before the newer write lands after it.
            assertThat(TaskStore.upsertTasks(c, List.of(row(task("7001", "older", "100", false, m))), Set.of(BOT), JSON)).isEmpty();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT name, assignee_gid, completed FROM tasks WHERE asana_gid = '7001'")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("newer");
                assertThat(rs.getString(2)).isEqualTo("200");
                assertThat(rs.getBoolean(3)).isTrue();
            }

            // The same modification time (Asana's resolution) still writes, as does an unknown one.
            assertThat(TaskStore.upsertTasks(c, List.of(row(task("7001", "same time", "200", true,
                    m.plusSeconds(30)))), Set.of(BOT), JSON)).hasSize(1);
            assertThat(TaskStore.upsertTasks(c, List.of(row(task("7001", "no time", "200", true, null))), Set.of(BOT), JSON))
                    .hasSize(1);
        }
    }

    @Test
    void deletionsAndTheSweepReportOnlyRowsNotDeletedYet() throws Exception {
        Instant m = Instant.parse("2025-02-01T10:00:00Z");
        try (Connection c = schema.connect()) {
            TaskStore.upsertTasks(c, List.of(row(task("900", "a", "100", false, m)), row(task("901", "b", null, false, m)),
                    row(task("902", "c", null, false, m))), Set.of(BOT), JSON);
            List<TaskStore.Change> del = TaskStore.markDeleted(c, List.of("900"));
            assertThat(del).singleElement().satisfies(ch -> {
                assertThat(ch.before().wantsBot(Set.of("100"))).isTrue();
                assertThat(ch.after().deleted()).isTrue();
            });
            assertThat(TaskStore.markDeleted(c, List.of("900"))).isEmpty();
            List<String> seen = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT asana_gid FROM tasks WHERE asana_gid NOT IN ('901')")) {
                while (rs.next()) {
                    seen.add(rs.getString(1));
                }
            }
            assertThat(TaskStore.sweepProject(c, projectId, seen, List.of())).extracting(TaskStore.Change::taskGid)
                    .containsExactly("901");
            // Seen again in Asana: it comes back.
            List<TaskStore.Change> back = TaskStore.upsertTasks(c, List.of(row(task("901", "b", null, false, m))), Set.of(BOT), JSON);
            assertThat(back).singleElement().satisfies(ch -> assertThat(ch.after().deleted()).isFalse());
        }
    }

    private static String column(Connection c, String gid, String expression) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT " + expression
                + " FROM tasks t LEFT JOIN tasks p ON p.id = t.parent_task_id WHERE t.asana_gid = '" + gid + "'")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    static Task subtask(String gid, String parentGid, String assignee, Instant modified) {
        Task t = task(gid, "sub " + gid, assignee, false, modified);
        return new Task(t.gid(), t.name(), t.notes(), t.htmlNotes(), t.completed(), t.completedAt(), t.dueOn(),
                t.dueAt(), t.assignee(), new Ref(parentGid, "task", "parent"), t.tags(), t.customFields(),
                t.memberships(), t.permalinkUrl(), t.createdAt(), t.modifiedAt());
    }

    @Test
    void assignedToAegisFollowsTheAssigneeWhateverTheTaskState() throws Exception {
        Instant m = Instant.parse("2025-05-01T10:00:00Z");
        try (Connection c = schema.connect()) {
            TaskStore.upsertTasks(c, List.of(row(task("8001", "a", BOT, false, m)),
                    row(task("8002", "b", "200", false, m)), row(task("8003", "c", null, false, m))), Set.of(BOT), JSON);
            assertThat(column(c, "8001", "t.assigned_to_aegis")).isEqualTo("t");
            assertThat(column(c, "8002", "t.assigned_to_aegis")).isEqualTo("f");
            assertThat(column(c, "8003", "t.assigned_to_aegis")).isEqualTo("f");

            // Completed is still assigned: the flag says who, completed and deleted say whether open.
            TaskStore.upsertTasks(c, List.of(row(task("8001", "a", BOT, true, m.plusSeconds(1)))), Set.of(BOT), JSON);
            assertThat(column(c, "8001", "t.assigned_to_aegis")).isEqualTo("t");
            TaskStore.markDeleted(c, List.of("8001"));
            assertThat(column(c, "8001", "t.assigned_to_aegis")).isEqualTo("t");

            TaskStore.upsertTasks(c, List.of(row(task("8001", "a", "200", false, m.plusSeconds(2))),
                    row(task("8002", "b", BOT, false, m.plusSeconds(2)))), Set.of(BOT), JSON);
            assertThat(column(c, "8001", "t.assigned_to_aegis")).isEqualTo("f");
            assertThat(column(c, "8002", "t.assigned_to_aegis")).isEqualTo("t");

            // Another bot user (a new token): the full sync's alignment puts every row right.
            assertThat(TaskStore.align(c, Set.of("200"))).isGreaterThanOrEqualTo(2);
            assertThat(column(c, "8001", "t.assigned_to_aegis")).isEqualTo("t");
            assertThat(column(c, "8002", "t.assigned_to_aegis")).isEqualTo("f");
            assertThat(TaskStore.align(c, Set.of("200"))).as("nothing left to change").isZero();
            TaskStore.align(c, Set.of(BOT));
        }
    }

    @Test
    void aChildIsLinkedToItsParentWhicheverArrivesFirst() throws Exception {
        Instant m = Instant.parse("2025-06-01T10:00:00Z");
        try (Connection c = schema.connect()) {
            // The child first: parent_gid is known, the link waits.
            TaskStore.upsertTasks(c, List.of(row(subtask("9101", "9100", null, m))), Set.of(BOT), JSON);
            assertThat(column(c, "9101", "t.parent_gid || ':' || coalesce(p.asana_gid, '-')")).isEqualTo("9100:-");
            List<TaskStore.Change> parentArrives = TaskStore.upsertTasks(c,
                    List.of(row(task("9100", "parent", null, false, m))), Set.of(BOT), JSON);
            assertThat(parentArrives).extracting(TaskStore.Change::taskGid).containsExactly("9100");
            assertThat(column(c, "9101", "p.asana_gid")).isEqualTo("9100");

            // Parent and child new in one statement; and a child of a stored parent.
            TaskStore.upsertTasks(c, List.of(row(subtask("9201", "9200", null, m)),
                    row(task("9200", "parent", null, false, m))), Set.of(BOT), JSON);
            assertThat(column(c, "9201", "p.asana_gid")).isEqualTo("9200");
            TaskStore.upsertTasks(c, List.of(row(subtask("9202", "9200", null, m))), Set.of(BOT), JSON);
            assertThat(column(c, "9202", "p.asana_gid")).isEqualTo("9200");

            // Moved under a parent not mirrored: the link goes with it; a refetch changes nothing.
            TaskStore.upsertTasks(c, List.of(row(subtask("9202", "9999", null, m.plusSeconds(1)))), Set.of(BOT), JSON);
            assertThat(column(c, "9202", "t.parent_task_id")).isNull();
            assertThat(TaskStore.upsertTasks(c, List.of(row(subtask("9201", "9200", null, m))), Set.of(BOT), JSON)).isEmpty();

            // A link two concurrent writers both missed is made by the alignment.
            try (Statement st = c.createStatement()) {
                st.execute("UPDATE tasks SET parent_task_id = NULL WHERE asana_gid = '9201'");
            }
            assertThat(TaskStore.align(c, Set.of(BOT))).isEqualTo(1);
            assertThat(column(c, "9201", "p.asana_gid")).isEqualTo("9200");
        }
    }

    @Test
    void commentsAreNewOnlyOnce() throws Exception {
        Instant m = Instant.parse("2025-02-01T10:00:00Z");
        try (Connection c = schema.connect()) {
            TaskStore.upsertTasks(c, List.of(row(task("700", "x", "100", false, m))), Set.of(BOT), JSON);
            long id = TaskStore.find(c, Set.of("700")).get("700").id();
            Story person = new Story("s1", "comment_added", "comment", "please", null, new Ref("9", "user", "Pat"), m);
            Story bot = new Story("s2", "comment_added", "comment", "done — Aegis · run 1", null,
                    new Ref("100", "user", "Bot"), m);
            Story system = new Story("s3", "assigned", "system", "assigned", null, new Ref("9", "user", "Pat"), m);
            List<TaskStore.CommentRow> rows = List.of(new TaskStore.CommentRow(id, "700", person),
                    new TaskStore.CommentRow(id, "700", bot), new TaskStore.CommentRow(id, "700", system));
            assertThat(TaskStore.upsertComments(c, rows, Set.of("100"))).extracting(TaskStore.NewComment::commentGid,
                    TaskStore.NewComment::fromBot).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple("s1", false), org.assertj.core.groups.Tuple.tuple("s2", true));
            assertThat(TaskStore.upsertComments(c, rows, Set.of("100"))).isEmpty();
            assertThat(TaskStore.knownComments(c, List.of("s1", "s3", "zz"))).containsExactly("s1");
            assertThat(TaskStore.find(c, List.of("700", "nope"))).containsOnlyKeys("700");
        }
    }
}
