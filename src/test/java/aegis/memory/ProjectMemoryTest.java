package aegis.memory;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.db.Jdbc;
import aegis.dispatch.Mirror;
import aegis.testing.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Project memory on real PostgreSQL: what a {@code remember:} comment stores (once), what recall
 * finds for a task (relevant answers of the same project, ranked; remembered facts, relevant
 * first), what {@code {{memory}}} then says, forgetting, and retention.
 */
class ProjectMemoryTest {
    private static TestDatabase.Schema schema;
    private static Jdbc jdbc;
    private static MemoryStore store;
    private long project;
    private long other;
    private long asked;

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("memory");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(schema.database().url());
        ds.setUser(schema.database().user());
        ds.setPassword(schema.database().password());
        jdbc = new Jdbc(ds);
        store = new MemoryStore(jdbc);
    }

    @AfterAll
    static void tearDown() {
        schema.drop();
    }

    @BeforeEach
    void seed() throws Exception {
        schema.execute("TRUNCATE projects, tasks, comments, memories CASCADE");
        try (Connection c = schema.connect()) {
            project = Mirror.project(c, "p1");
            other = Mirror.project(c, "p2");
            asked = Mirror.task(c, project, "t-asked", "When do we release?", "bot");
        }
    }

    private long answer(long projectId, String taskGid, String name, String body) throws Exception {
        try (Connection c = schema.connect()) {
            long task = Mirror.task(c, projectId, taskGid, name, "bot");
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO memories (project_id, kind, task_id, execution_id, title, body)
                    VALUES (?, 'answer', ?, nextval('memories_id_seq') + 1000, ?, ?) RETURNING id""")) {
                ps.setLong(1, projectId);
                ps.setLong(2, task);
                ps.setString(3, name);
                ps.setString(4, body);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        }
    }

    private Optional<MemoryStore.Remembered> comment(String gid, String author, String text) throws Exception {
        try (Connection c = schema.connect()) {
            Mirror.comment(c, asked, gid, author, text);
        }
        return store.rememberComment(gid);
    }

    private static List<Recollection> recall(long projectId, long taskId, String text, int limit) {
        return new FullTextRecall(jdbc).recall(new Recall.Query(projectId, taskId, text, limit));
    }

    @Test
    void aRememberCommentIsStoredOnceWithoutItsPrefix() throws Exception {
        Optional<MemoryStore.Remembered> first = comment("c1", "human", "  Remember:  our release day is Thursday \n");
        assertThat(first).isPresent();
        assertThat(first.get().text()).isEqualTo("our release day is Thursday");
        assertThat(first.get().taskGid()).isEqualTo("t-asked");
        assertThat(first.get().projectName()).isEqualTo("Project p1");
        assertThat(first.get().marker()).isEqualTo("— Aegis · memory " + first.get().id());
        assertThat(store.rememberComment("c1")).as("the same comment again stores nothing").isEmpty();

        assertThat(comment("c2", "human", "please remember: this is not a memory")).isEmpty();
        assertThat(comment("c3", "human", "remember:   ")).as("nothing to remember").isEmpty();
        try (Connection c = schema.connect(); PreparedStatement ps = c.prepareStatement(
                "UPDATE comments SET is_from_bot = true WHERE asana_gid = ?")) {
            Mirror.comment(c, asked, "c4", "bot", "remember: the bot's own words");
            ps.setString(1, "c4");
            ps.executeUpdate();
        }
        assertThat(store.rememberComment("c4")).as("the bot's own comment").isEmpty();
        assertThat(store.list(Optional.empty(), true, 10)).extracting(MemoryStore.Listed::text)
                .containsExactly("our release day is Thursday");
    }

    @Test
    void recallFindsTheProjectsRelevantAnswersBestFirst() throws Exception {
        long checklist = answer(project, "t1", "Release checklist", "Tag the build, then release on Thursday.");
        long notes = answer(project, "t2", "Write the notes", "The release notes are in the wiki.");
        answer(project, "t3", "Water the office plants", "Watered them; next time on Monday.");
        answer(other, "t4", "Release of the other product", "We release that one on Friday.");
        try (Connection c = schema.connect(); PreparedStatement ps = c.prepareStatement(
                "UPDATE memories SET task_id = ? WHERE id = ?")) {
            ps.setLong(1, asked);
            ps.setLong(2, answer(project, "t5", "Earlier run", "release"));
            ps.executeUpdate();
        }

        List<Recollection> found = recall(project, asked, "When do we release the checklist?", 5);
        assertThat(found).as("same project, sharing a word, the task's own answers left out")
                .extracting(Recollection::id).containsExactly(checklist, notes);
        assertThat(found).allMatch(r -> r.kind() == Recollection.Kind.ANSWER);
        assertThat(recall(project, asked, "When do we release the checklist?", 1)).extracting(Recollection::id)
                .containsExactly(checklist);
        assertThat(recall(project, asked, "Budget for the offsite", 5)).as("nothing shares a word").isEmpty();
        assertThat(recall(project, asked, "?!", 5)).as("a task without words").isEmpty();
        assertThat(recall(project, asked, "release", 0)).isEmpty();
    }

    @Test
    void rememberedFactsAreRecalledRelevantFirstThenNewest() throws Exception {
        long release = comment("c1", "human", "remember: our release day is Thursday").orElseThrow().id();
        long colour = comment("c2", "human", "remember: the brand colour is teal").orElseThrow().id();
        long standup = comment("c3", "human", "remember: stand-up is at nine").orElseThrow().id();

        assertThat(recall(project, asked, "When do we release?", 5)).extracting(Recollection::id)
                .containsExactly(release, standup, colour);
        assertThat(recall(project, asked, "When do we release?", 2)).extracting(Recollection::id)
                .containsExactly(release, standup);
        assertThat(recall(other, asked, "When do we release?", 5)).as("another project's").isEmpty();
    }

    @Test
    void theMemoryTextIsEmptyOnlyWhenNothingIsRecalled() throws Exception {
        ProjectMemory memory = new ProjectMemory(new FullTextRecall(jdbc), new AnswerIndex(jdbc), new MemorySettings(5));
        assertThat(memory.forTask(project, asked, "When do we release?", null)).isEmpty();

        answer(project, "t1", "Release checklist", "Tag the build,\n\nthen release on Thursday.");
        comment("c1", "human", "remember: our release day is Thursday");
        String text = memory.forTask(project, asked, "When do we release?", "");
        assertThat(text).startsWith("Remembered in this project:\n- our release day is Thursday (someone, ")
                .contains("\n\nEarlier answers in this project:\n- \"Release checklist\" (")
                .contains("): Tag the build, then release on Thursday.");
        assertThat(new ProjectMemory(new FullTextRecall(jdbc), new AnswerIndex(jdbc), new MemorySettings(0))
                .forTask(project, asked, "When do we release?", "")).as("AEGIS_MEMORY_ITEMS=0").isEmpty();
    }

    @Test
    void forgottenMemoriesAreNotRecalled() throws Exception {
        long id = comment("c1", "human", "remember: our release day is Thursday").orElseThrow().id();
        assertThat(store.forget(id)).isTrue();
        assertThat(store.forget(id)).isFalse();
        assertThat(recall(project, asked, "release", 5)).isEmpty();
    }

    @Test
    void retentionDeletesMemoriesOlderThanThePeriod() throws Exception {
        comment("c1", "human", "remember: old news");
        comment("c2", "human", "remember: fresh news");
        answer(project, "t1", "Old answer", "long ago");
        schema.execute("UPDATE memories SET created_at = now() - interval '100 days' WHERE body IN ('old news', 'long ago')");
        MemoryRetention retention = new MemoryRetention(jdbc);
        assertThat(retention.due(90)).isEqualTo(2);
        assertThat(retention.batch(90, 1)).as("bounded by the batch").isEqualTo(1);
        assertThat(retention.batch(90, 10)).isEqualTo(1);
        assertThat(store.list(Optional.empty(), true, 10)).extracting(MemoryStore.Listed::text)
                .containsExactly("fresh news");
    }

    @Test
    void onlyADoneAnswerIsKeptOncePerExecutionWithItsTask() throws Exception {
        schema.execute("UPDATE tasks SET notes = 'Ask the release manager.' WHERE id = " + asked);
        ProjectMemory memory = new ProjectMemory(new FullTextRecall(jdbc), new AnswerIndex(jdbc), new MemorySettings(5));
        memory.answered(1, asked, "done", "We release on Thursdays.");
        memory.answered(1, asked, "done", "We release on Thursdays.");
        memory.answered(2, asked, "question", "Which week?");
        memory.answered(3, asked, "failed", null);
        memory.answered(4, asked, "done", "  ");
        assertThat(memory.awaitIndexed(10_000)).as("indexed within 10 s").isTrue();
        assertThat(schema.strings("SELECT execution_id || ' ' || kind || ' ' || title || ' / ' || notes || ' / ' || body "
                + "FROM memories")).containsExactly(
                "1 answer When do we release? / Ask the release manager. / We release on Thursdays.");
    }

    @Test
    void theTasksWordsAreAskedForWithOr() {
        assertThat(FullTextRecall.anyOf("When do we release? Or, not-yet")).isEqualTo("when or do or we or release or not or yet");
        assertThat(FullTextRecall.anyOf(null)).isEmpty();
    }
}
