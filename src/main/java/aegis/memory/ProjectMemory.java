package aegis.memory;

import jakarta.inject.Singleton;

/** A task's {@code {{memory}}}: what its project recalls for it ({@link Recall}), as prompt text. */
@Singleton
public final class ProjectMemory {
    private final Recall recall;
    private final MemorySettings settings;

    public ProjectMemory(Recall recall, MemorySettings settings) {
        this.recall = recall;
        this.settings = settings;
    }

    /** Empty only when the project has nothing to recall for this task (or AEGIS_MEMORY_ITEMS is 0). */
    public String forTask(long projectId, long taskId, String name, String notes) {
        String about = (name == null ? "" : name) + "\n" + (notes == null ? "" : notes);
        return MemoryText.render(recall.recall(new Recall.Query(projectId, taskId, about, settings.items())));
    }
}
