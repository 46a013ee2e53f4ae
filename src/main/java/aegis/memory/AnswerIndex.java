package aegis.memory;

import aegis.db.Jdbc;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;

/**
 * Indexes an execution's answer in {@code memories} once its outcome is recorded, with its
 * task's name and notes as they are then. A statement of its own, not a part of the one that
 * records the outcome: computing the search document of a 2 kB answer and adding its terms to
 * the GIN index takes about 2 ms, ten times that statement's own work.
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

    /** Indexes the answer of execution {@code executionId} to task {@code taskId}; once per execution. */
    public void index(long executionId, long taskId, String answer) {
        jdbc.withConnection(c -> {
            // One statement: the task's project, name and notes are read as the row is written.
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO memories (project_id, kind, task_id, execution_id, title, notes, body)
                    SELECT t.project_id, 'answer', t.id, ?, coalesce(t.name, ''), left(coalesce(t.notes, ''), ?),
                           left(?, ?)
                      FROM tasks t WHERE t.id = ?
                    ON CONFLICT (execution_id) DO NOTHING""")) {
                ps.setLong(1, executionId);
                ps.setInt(2, MAX_NOTES);
                ps.setString(3, answer);
                ps.setInt(4, MAX_ANSWER);
                ps.setLong(5, taskId);
                return ps.executeUpdate();
            }
        });
    }
}
