package aegis.memory;

import aegis.db.Jdbc;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.util.List;

/**
 * Indexes executions' answers in {@code memories}, with their task's name and notes as they are
 * then, several in one statement: computing the search documents and adding their terms to the
 * GIN index is most of the work, and one statement and one commit for all that gathered is much
 * cheaper than one each ({@link ProjectMemory} queues them off the worker's path).
 */
@Singleton
public final class AnswerIndex {
    /** The answer indexed, at most: long enough for any answer a person reads in a comment. */
    static final int MAX_ANSWER = 20_000;
    static final int MAX_NOTES = 4_000;

    private final Jdbc jdbc;

    public AnswerIndex(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** A done answer: execution {@code executionId}'s to task {@code taskId}. */
    public record Answer(long executionId, long taskId, String text) {
    }

    /** Indexes {@code answers}; each execution's once (an answer indexed already is left as it is). */
    public void index(List<Answer> answers) {
        if (answers.isEmpty()) {
            return;
        }
        jdbc.withConnection(c -> {
            // One statement: each task's project, name and notes are read as its row is written.
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO memories (project_id, kind, task_id, execution_id, title, notes, body)
                    SELECT t.project_id, 'answer', t.id, a.execution_id, coalesce(t.name, ''),
                           left(coalesce(t.notes, ''), ?), left(a.body, ?)
                      FROM unnest(?::bigint[], ?::bigint[], ?::text[]) AS a(execution_id, task_id, body)
                      JOIN tasks t ON t.id = a.task_id
                    ON CONFLICT (execution_id) DO NOTHING""")) {
                ps.setInt(1, MAX_NOTES);
                ps.setInt(2, MAX_ANSWER);
                ps.setArray(3, c.createArrayOf("bigint", answers.stream().map(Answer::executionId).toArray()));
                ps.setArray(4, c.createArrayOf("bigint", answers.stream().map(Answer::taskId).toArray()));
                ps.setArray(5, c.createArrayOf("text", answers.stream().map(Answer::text).toArray()));
                return ps.executeUpdate();
            }
        });
    }
}
