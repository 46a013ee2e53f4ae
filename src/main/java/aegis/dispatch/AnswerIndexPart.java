package aegis.dispatch;

import aegis.memory.AnswerIndex;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The answer of a {@code done} outcome indexed as a project memory ({@link AnswerIndex}), in
 * the statement that records the outcome.
 */
record AnswerIndexPart(long taskId, String answer) implements StatementPart {

    /** The part for an outcome: an answer to index, or nothing (questions, failures, empty answers). */
    static StatementPart of(long taskId, String outcome, String result) {
        return "done".equals(outcome) && result != null && !result.isBlank()
                ? new AnswerIndexPart(taskId, result) : StatementPart.NONE;
    }

    @Override
    public String cte() {
        return AnswerIndex.cte();
    }

    @Override
    public int bind(PreparedStatement ps, int first) throws SQLException {
        return AnswerIndex.bind(ps, first, taskId, answer);
    }
}
