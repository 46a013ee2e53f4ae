package aegis.agent;

import aegis.workspace.Worktree;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything an agent is given for one execution. {@code worktree}: where a coding agent works
 * (the task's own git worktree, held for this execution), when the project has a repository;
 * {@code resumeSessionId}: the CLI session the task's previous run recorded, to continue it.
 */
public record AgentRequest(
        long executionId,
        int attempt,
        TaskView task,
        List<CommentView> thread,
        ProjectView project,
        RenderedPrompt prompt,
        Optional<Worktree> worktree,
        Optional<String> resumeSessionId) {

    /** A request without a worktree: the llm and echo kinds, and projects without a repository. */
    public AgentRequest(long executionId, int attempt, TaskView task, List<CommentView> thread, ProjectView project,
                        RenderedPrompt prompt) {
        this(executionId, attempt, task, thread, project, prompt, Optional.empty(), Optional.empty());
    }

    /** {@code customFields}: each set custom field's name and its value as text. */
    public record TaskView(long id, String gid, String name, String notes, String permalinkUrl,
                           LocalDate dueOn, Instant dueAt, List<String> tags, Map<String, String> customFields) {
    }

    public record CommentView(String gid, String authorGid, String authorName, String text,
                              Instant createdAt, boolean fromBot) {
    }

    public record ProjectView(long id, String gid, String name, Optional<String> codePath) {
    }
}
