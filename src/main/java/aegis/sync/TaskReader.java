package aegis.sync;

import aegis.db.Jdbc;
import aegis.config.ProjectSettings;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads a mirrored task with its project and comment thread, for dispatch: the mirror's one
 * read path outside sync, which owns these tables.
 */
@Singleton
public final class TaskReader {

    private final Jdbc jdbc;
    private final ProjectSettings.All projects;
    private final ObjectMapper json;

    public TaskReader(Jdbc jdbc, ProjectSettings.All projects, ObjectMapper json) {
        this.jdbc = jdbc;
        this.projects = projects;
        this.json = json;
    }

    public Optional<MirroredTask> task(long taskId) {
        return read(taskId, false).map(Loaded::task);
    }

    /** The task with its comment thread, read in one statement; the thread is parsed when asked for ({@link #thread(Loaded)}). */
    public record Loaded(MirroredTask task, String threadJson) {
    }

    public Thread thread(Loaded loaded) {
        return parseThread(loaded.threadJson() == null ? "[]" : loaded.threadJson());
    }

    /** {@link #task(long)} and {@link #thread(long)} in one round trip. */
    public Optional<Loaded> taskWithThread(long taskId) {
        return read(taskId, true);
    }

    /** A task's comments as one JSON array, oldest first; {@code %s}: the task id expression. */
    private static final String THREAD_JSON = """
            (SELECT coalesce(json_agg(json_build_object('id', c.id, 'gid', c.asana_gid, 'author_gid', c.author_gid,
                                                        'author', c.author_name, 'text', c.text,
                                                        'at', c.asana_created_at, 'bot', c.is_from_bot)
                                      ORDER BY c.asana_created_at NULLS LAST, c.id), '[]')::text
               FROM comments c WHERE c.task_id = %s)""";

    /** The task and its project; {@code %s}: the thread's column (or NULL). */
    private static final String TASK = """
            SELECT t.id, t.asana_gid, t.name, t.notes, t.permalink_url, t.due_on, t.due_at,
                   (SELECT coalesce(array_agg(x->>'name'), '{}') FROM jsonb_array_elements(t.tags) x) AS tags,
                   t.assignee_gid, t.completed, t.deleted, t.custom_fields::text AS custom_fields,
                   coalesce(t.asana_created_at, t.created_at) AS created_at,
                   p.id AS project_id, p.asana_gid AS project_gid, p.name AS project_name,
                   p.code_path, p.archived AS project_archived,
                   %s AS thread
              FROM tasks t JOIN projects p ON p.id = t.project_id
             WHERE t.id = ?""";
    private static final String TASK_ALONE = TASK.formatted("NULL::text");
    private static final String TASK_WITH_THREAD = TASK.formatted(THREAD_JSON.formatted("t.id"));
    private static final String THREAD = "SELECT " + THREAD_JSON.formatted("?");

    private Optional<Loaded> read(long taskId, boolean withThread) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(withThread ? TASK_WITH_THREAD : TASK_ALONE)) {
                ps.setLong(1, taskId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    java.sql.Date dueOn = rs.getDate("due_on");
                    Timestamp dueAt = rs.getTimestamp("due_at");
                    List<String> tags = new ArrayList<>();
                    for (Object o : (Object[]) rs.getArray("tags").getArray()) {
                        if (o != null) {
                            tags.add(o.toString());
                        }
                    }
                    String projectGid = rs.getString("project_gid");
                    String storedPath = rs.getString("code_path");
                    Optional<String> codePath = projects.forProject(projectGid).codePath()
                            .or(() -> Optional.ofNullable(storedPath));
                    var project = new MirroredTask.Project(rs.getLong("project_id"), projectGid,
                            rs.getString("project_name"), rs.getBoolean("project_archived"), codePath);
                    var task = new MirroredTask(rs.getLong("id"), rs.getString("asana_gid"), rs.getString("name"),
                            rs.getString("notes"), rs.getString("permalink_url"),
                            dueOn == null ? null : dueOn.toLocalDate(), dueAt == null ? null : dueAt.toInstant(),
                            List.copyOf(tags), rs.getString("assignee_gid"), rs.getBoolean("completed"),
                            rs.getBoolean("deleted"), fields(rs.getString("custom_fields")),
                            rs.getTimestamp("created_at").toInstant(), project);
                    return Optional.of(new Loaded(task, rs.getString("thread")));
                }
            }
        });
    }

    /** The task's comments, oldest first, with the highest local comment id (0 for none). */
    public record Thread(List<MirroredTask.Comment> comments, long lastCommentId) {
    }

    public Thread thread(long taskId) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(THREAD)) {
                ps.setLong(1, taskId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return parseThread(rs.getString(1));
                }
            }
        });
    }

    private Thread parseThread(String thread) {
        try {
            List<MirroredTask.Comment> out = new ArrayList<>();
            long last = 0;
            for (JsonNode n : json.readTree(thread)) {
                out.add(new MirroredTask.Comment(text(n, "gid"), text(n, "author_gid"), text(n, "author"),
                        text(n, "text"), instant(text(n, "at")), n.path("bot").asBoolean(false)));
                last = Math.max(last, n.path("id").asLong());
            }
            return new Thread(List.copyOf(out), last);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the comment thread read from the database is not understood: "
                    + e.getMessage(), e);
        }
    }

    /** The set custom fields of Asana's {@code custom_fields} array, as the mirror stores it. */
    private List<MirroredTask.Field> fields(String customFields) {
        if (customFields == null) {
            return List.of();
        }
        List<MirroredTask.Field> out = new ArrayList<>();
        try {
            for (JsonNode f : json.readTree(customFields)) {
                String name = text(f, "name");
                String value = firstSet(f.path("enum_value").path("name"), f.path("text_value"), f.path("display_value"));
                JsonNode number = f.get("number_value");
                BigDecimal n = number != null && number.isNumber() ? number.decimalValue() : null;
                if (name != null && (value != null || n != null)) {
                    out.add(new MirroredTask.Field(name, value, n));
                }
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the custom fields read from the database are not understood: "
                    + e.getMessage(), e);
        }
        return List.copyOf(out);
    }

    private static String firstSet(JsonNode... values) {
        for (JsonNode v : values) {
            if (v.isTextual() && !v.asText().isBlank()) {
                return v.asText().trim();
            }
        }
        return null;
    }

    /** A comment's time as PostgreSQL writes it in JSON; one it cannot place in time (infinity) is none. */
    private static java.time.Instant instant(String at) {
        if (at == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(at).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
