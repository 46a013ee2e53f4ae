package aegis.dispatch;

import aegis.agent.AgentRequest;
import aegis.config.Jdbc;
import aegis.config.ProjectSettings;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads tracked tasks, their projects and their comment threads (read-only; sync owns these tables). */
@Singleton
public final class TaskReader {
    private final Jdbc jdbc;
    private final ProjectSettings.All projects;

    public TaskReader(Jdbc jdbc, ProjectSettings.All projects) {
        this.jdbc = jdbc;
        this.projects = projects;
    }

    public Optional<TaskSnapshot> task(long taskId) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT t.id, t.asana_gid, t.name, t.notes, t.permalink_url, t.due_on, t.due_at,
                           (SELECT coalesce(array_agg(x->>'name'), '{}') FROM jsonb_array_elements(t.tags) x) AS tags,
                           t.assignee_gid, t.completed, t.deleted, t.custom_fields::text AS custom_fields,
                           t.asana_created_at,
                           p.id AS project_id, p.asana_gid AS project_gid, p.name AS project_name,
                           p.code_path, p.archived AS project_archived
                      FROM tasks t JOIN projects p ON p.id = t.project_id
                     WHERE t.id = ?""")) {
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
                    var task = new AgentRequest.TaskView(rs.getLong("id"), rs.getString("asana_gid"),
                            rs.getString("name"), rs.getString("notes"), rs.getString("permalink_url"),
                            dueOn == null ? null : dueOn.toLocalDate(), dueAt == null ? null : dueAt.toInstant(),
                            List.copyOf(tags));
                    String projectGid = rs.getString("project_gid");
                    String storedPath = rs.getString("code_path");
                    Optional<String> codePath = projects.forProject(projectGid).codePath()
                            .or(() -> Optional.ofNullable(storedPath));
                    var project = new AgentRequest.ProjectView(rs.getLong("project_id"), projectGid,
                            rs.getString("project_name"), codePath);
                    return Optional.of(new TaskSnapshot(task, project, rs.getString("assignee_gid"),
                            rs.getBoolean("completed"), rs.getBoolean("deleted"), rs.getBoolean("project_archived"),
                            rs.getString("custom_fields")));
                }
            }
        });
    }

    /** Created time in Asana (for the age part of the priority). */
    public Optional<java.time.Instant> createdAt(long taskId) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT coalesce(asana_created_at, created_at) FROM tasks WHERE id = ?")) {
                ps.setLong(1, taskId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getTimestamp(1).toInstant()) : Optional.empty();
                }
            }
        });
    }

    /** The task's comments, oldest first, with the highest local comment id (0 for none). */
    public record Thread(List<AgentRequest.CommentView> comments, long lastCommentId) {
    }

    public Thread thread(long taskId) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT id, asana_gid, author_gid, author_name, text, asana_created_at, is_from_bot
                      FROM comments WHERE task_id = ?
                     ORDER BY asana_created_at NULLS LAST, id""")) {
                ps.setLong(1, taskId);
                List<AgentRequest.CommentView> out = new ArrayList<>();
                long last = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Timestamp at = rs.getTimestamp("asana_created_at");
                        out.add(new AgentRequest.CommentView(rs.getString("asana_gid"), rs.getString("author_gid"),
                                rs.getString("author_name"), rs.getString("text"),
                                at == null ? null : at.toInstant(), rs.getBoolean("is_from_bot")));
                        last = Math.max(last, rs.getLong("id"));
                    }
                }
                return new Thread(List.copyOf(out), last);
            }
        });
    }
}
