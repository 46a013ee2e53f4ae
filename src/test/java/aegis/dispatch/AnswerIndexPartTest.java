package aegis.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Only a done outcome's answer is indexed for recall: a question or a failure is no answer. */
class AnswerIndexPartTest {
    @Test
    void onlyADoneOutcomesAnswerIsIndexed() {
        assertThat(AnswerIndexPart.of(1, "done", "Release on Thursday.").cte()).startsWith("memory_answer AS (");
        assertThat(AnswerIndexPart.of(1, "question", "Which day?")).isSameAs(StatementPart.NONE);
        assertThat(AnswerIndexPart.of(1, "failed", null)).isSameAs(StatementPart.NONE);
        assertThat(AnswerIndexPart.of(1, "done", "  ")).isSameAs(StatementPart.NONE);
    }
}
