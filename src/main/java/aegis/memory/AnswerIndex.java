package aegis.memory;

import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Indexes an execution's answer in {@code memories} as it is recorded: a common table expression
 * for the statement that records the outcome, which names the updated execution {@code done}
 * (its {@code id}, present only when the outcome was recorded). Riding in that statement costs
 * no round trip or commit of its own; the search document is computed by the column's
 * expression and the GIN index takes the entry through its pending list (fastupdate), so the
 * statement grows by a fraction of a millisecond.
 */
public final class AnswerIndex {
    /** The answer indexed, at most: long enough for any answer a person reads in a comment. */
    static final int MAX_ANSWER = 20_000;
    static final int MAX_NOTES = 4_000;

    private static final String CTE = """
            memory_answer AS (
              INSERT INTO memories (project_id, kind, task_id, execution_id, title, notes, body)
              SELECT t.project_id, 'answer', t.id, d.id, coalesce(t.name, ''), left(coalesce(t.notes, ''), %d),
                     left(?, %d)
                FROM done d JOIN tasks t ON t.id = ?
              ON CONFLICT (execution_id) DO NOTHING)""".formatted(MAX_NOTES, MAX_ANSWER);

    private AnswerIndex() {
    }

    /** {@code memory_answer AS (…)}: reads {@code done}; two parameters, bound by {@link #bind}. */
    public static String cte() {
        return CTE;
    }

    /** Binds the answer and its task from {@code first}; answers the next free index. */
    public static int bind(PreparedStatement ps, int first, long taskId, String answer) throws SQLException {
        ps.setString(first, answer);
        ps.setLong(first + 1, taskId);
        return first + 2;
    }
}
