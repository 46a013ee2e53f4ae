package aegis.memory;

import java.util.List;

/**
 * Finds what a project remembers that bears on a task. The one decision a different store (a
 * vector index, say) would make differently; {@link FullTextRecall} is PostgreSQL's full-text search.
 */
public interface Recall {
    /**
     * What to recall for: the task's project, the task itself (its own earlier answers are in its
     * thread already, so they are left out) and its text (name and notes).
     */
    record Query(long projectId, long taskId, String text, int limit) {
    }

    /**
     * At most {@code limit} earlier answers of the project that share terms with the task, best
     * first, and at most {@code limit} remembered facts, those sharing terms first, then the newest.
     */
    List<Recollection> recall(Query q);
}
