package aegis.agent;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything an agent is given for one execution. */
public record AgentRequest(
        long executionId,
        int attempt,
        TaskView task,
        List<CommentView> thread,
        ProjectView project,
        RenderedPrompt prompt) {

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
