package aegis.sync;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/**
 * A tracked task as the mirror holds it, with its project: what dispatch reads to decide
 * whether the task still asks the bot for work and to show an agent the task.
 * {@code createdAt} is when it was created in Asana (else when it was first mirrored).
 */
public record MirroredTask(long id, String gid, String name, String notes, String permalinkUrl, LocalDate dueOn,
                           Instant dueAt, List<String> tags, String assigneeGid, boolean completed, boolean deleted,
                           List<Field> customFields, Instant createdAt, Project project) {

    /** The task's project; {@code codePath} from the project's settings, else as stored. */
    public record Project(long id, String gid, String name, boolean archived, Optional<String> codePath) {
    }

    /**
     * A custom field that has a value: its text (an enum option's name, else the text value,
     * else Asana's display value) and, for a number field, its number.
     */
    public record Field(String name, String text, BigDecimal number) {
    }

    /** One comment of a task's thread. */
    public record Comment(String gid, String authorGid, String authorName, String text, Instant createdAt,
                          boolean fromBot) {
    }

    /** Open, not deleted, in a tracked project, assigned to {@code botGid}. */
    public boolean wantsBot(String botGid) {
        return botGid != null && !project.archived()
                && new TaskStore.State(assigneeGid, completed, deleted).wantsBot(java.util.Set.of(botGid));
    }
}
