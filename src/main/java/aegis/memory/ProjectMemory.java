package aegis.memory;

import aegis.db.QueuedWriter;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What dispatch asks of project memory: a task's {@code {{memory}}} (what its project recalls for
 * it, by {@link Recall}, as prompt text) and, once a task is answered, the answer kept for recall.
 * Answers are indexed off the worker's path, those that gathered meanwhile in one statement
 * ({@link QueuedWriter}); within about a tenth of a second.
 */
@Singleton
public final class ProjectMemory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProjectMemory.class);
    /** Answers waiting to be indexed, at most: a database away for long drops the rest, logged. */
    private static final int CAPACITY = 10_000;
    private static final int BATCH = 500;
    /**
     * An answer waits this long for others to be indexed with it: no person asks a related question
     * within it, and a busy pool indexes its answers many to a statement instead of two or three.
     */
    static final Duration LINGER = Duration.ofMillis(100);

    private final Recall recall;
    private final MemorySettings settings;
    private final QueuedWriter<AnswerIndex.Answer> answers;

    public ProjectMemory(Recall recall, AnswerIndex answers, MemorySettings settings) {
        this.recall = recall;
        this.settings = settings;
        this.answers = new QueuedWriter<>("answer_index", CAPACITY, BATCH, LINGER, answers::index,
                (a, why) -> LOG.warn("event=answer_not_indexed execution={} reason={}", a.executionId(), why));
    }

    /** Empty only when the project has nothing to recall for this task (or AEGIS_MEMORY_ITEMS is 0). */
    public String forTask(long projectId, long taskId, String name, String notes) {
        String about = (name == null ? "" : name) + "\n" + (notes == null ? "" : notes);
        return MemoryText.render(recall.recall(new Recall.Query(projectId, taskId, about, settings.items())));
    }

    /**
     * An execution's outcome is recorded: a {@code done} answer is kept for recall (queued; an answer
     * already indexed stays as it was). Questions and failures are not answers; nor is an empty text.
     */
    public void answered(long executionId, long taskId, String outcome, String result) {
        if (isAnswer(outcome, result)) {
            answers.offer(new AnswerIndex.Answer(executionId, taskId, result));
        }
    }

    /** Waits until every answer given so far is indexed, up to {@code timeoutMs}; whether it is. */
    public boolean awaitIndexed(long timeoutMs) throws InterruptedException {
        return answers.flush(timeoutMs);
    }

    static boolean isAnswer(String outcome, String result) {
        return "done".equals(outcome) && result != null && !result.isBlank();
    }

    /** Indexes what is queued, then stops. */
    @Override
    @PreDestroy
    public void close() {
        answers.close();
    }
}
