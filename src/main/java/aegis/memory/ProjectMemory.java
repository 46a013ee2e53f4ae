package aegis.memory;

import jakarta.inject.Singleton;

/**
 * What dispatch asks of project memory: a task's {@code {{memory}}} (what its project recalls for
 * it, by {@link Recall}, as prompt text) and, once a task is answered, the answer kept for recall.
 */
@Singleton
public final class ProjectMemory {
    private final Recall recall;
    private final AnswerIndex answers;
    private final MemorySettings settings;

    public ProjectMemory(Recall recall, AnswerIndex answers, MemorySettings settings) {
        this.recall = recall;
        this.answers = answers;
        this.settings = settings;
    }

    /** Empty only when the project has nothing to recall for this task (or AEGIS_MEMORY_ITEMS is 0). */
    public String forTask(long projectId, long taskId, String name, String notes) {
        String about = (name == null ? "" : name) + "\n" + (notes == null ? "" : notes);
        return MemoryText.render(recall.recall(new Recall.Query(projectId, taskId, about, settings.items())));
    }

    /**
     * An execution's outcome is recorded: a {@code done} answer is kept for recall. Questions and
     * failures are not answers; nor is an empty text.
     */
    public void answered(long executionId, long taskId, String outcome, String result) {
        if (isAnswer(outcome, result)) {
            answers.index(executionId, taskId, result);
        }
    }

    static boolean isAnswer(String outcome, String result) {
        return "done".equals(outcome) && result != null && !result.isBlank();
    }
}
