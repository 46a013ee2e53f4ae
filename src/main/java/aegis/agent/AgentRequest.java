package aegis.agent;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/** Everything an agent is given for one execution. */
public record AgentRequest(
        long executionId,
        int attempt,
        TaskView task,
        List<CommentView> thread,
        ProjectView project,
        RenderedPrompt prompt) {

    public record TaskView(long id, String gid, String name, String notes, String permalinkUrl,
                           LocalDate dueOn, Instant dueAt, List<String> tags) {
    }

    public record CommentView(String gid, String authorGid, String authorName, String text,
                              Instant createdAt, boolean fromBot) {
    }

    public record ProjectView(long id, String gid, String name, Optional<String> codePath) {
    }
}
