package aegis.memory;

import aegis.db.Jdbc;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The remembered facts in {@code memories}: stored from a person's {@code remember:} comment
 * (once per comment: the comment's gid is unique), confirmed, listed and forgotten.
 */
@Singleton
public final class MemoryStore {
    /** A remembered fact is kept to this length; it is a fact, not a document. */
    static final int MAX_TEXT = 4000;

    /** A fact just stored, or still owed its confirming reply: where to reply and what to say. */
    public record Remembered(long id, String taskGid, String projectName, String text) {
        /** Ends the confirming reply: finds it again after a crash, so it is never posted twice. */
        public String marker() {
            return "— Aegis · memory " + id;
        }
    }

    /** A row of {@code aegis memory list}. */
    public record Listed(long id, String projectGid, String projectName, String kind, String text, String authorName,
                         String taskGid, Instant createdAt) {
    }

    private static final String REMEMBERED = """
            SELECT x.id, t.asana_gid, p.name, x.body FROM x
              JOIN tasks t ON t.id = x.task_id JOIN projects p ON p.id = x.project_id""";

    private final Jdbc jdbc;

    public MemoryStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Stores what the mirrored comment {@code commentGid} asks to remember, if it is a person's
     * {@code remember: …} with some text; answers it only the first time (so only the first
     * caller confirms it). One statement, as the comment and its task must be read as stored.
     */
    public Optional<Remembered> rememberComment(String commentGid) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH said AS (
                      SELECT t.project_id, t.id AS task_id, cm.asana_gid, cm.author_gid, cm.author_name,
                             left(btrim(regexp_replace(cm.text, '^\\s*remember:', '', 'i'), E' \\t\\r\\n'), ?) AS body
                        FROM comments cm JOIN tasks t ON t.id = cm.task_id
                       WHERE cm.asana_gid = ? AND NOT cm.is_from_bot AND cm.text ~* '^\\s*remember:'),
                    x AS (
                      INSERT INTO memories (project_id, kind, task_id, comment_gid, author_gid, author_name, body)
                      SELECT project_id, 'remembered', task_id, asana_gid, author_gid, author_name, body
                        FROM said WHERE body <> ''
                      ON CONFLICT (comment_gid) DO NOTHING
                      RETURNING id, task_id, project_id, body)
                    """ + REMEMBERED)) {
                ps.setInt(1, MAX_TEXT);
                ps.setString(2, commentGid);
                List<Remembered> r = remembered(ps);
                return r.stream().findFirst();
            }
        });
    }

    /** The confirming reply is in Asana. */
    public void confirmed(long id, String replyStoryGid) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE memories SET reply_story_gid = ? WHERE id = ? AND kind = 'remembered'")) {
                ps.setString(1, replyStoryGid);
                ps.setLong(2, id);
                return ps.executeUpdate();
            }
        });
    }

    /**
     * Facts stored at least {@code age} ago whose reply is not known to be posted (the daemon
     * stopped between the two), oldest first; memories_unconfirmed_idx serves it.
     */
    public List<Remembered> unconfirmed(Duration age, int limit) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH x AS (
                      SELECT id, task_id, project_id, body FROM memories
                       WHERE kind = 'remembered' AND reply_story_gid IS NULL
                         AND created_at < now() - make_interval(secs => ?)
                       ORDER BY created_at LIMIT ?)
                    """ + REMEMBERED)) {
                ps.setLong(1, age.toSeconds());
                ps.setInt(2, limit);
                return remembered(ps);
            }
        });
    }

    /** Remembered facts (and, with {@code answers}, indexed answers), newest first. */
    public List<Listed> list(Optional<String> projectGid, boolean answers, int limit) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT m.id, p.asana_gid, p.name, m.kind,
                           CASE WHEN m.kind = 'answer' THEN m.title || ': ' || m.body ELSE m.body END,
                           m.author_name, t.asana_gid, m.created_at
                      FROM memories m JOIN projects p ON p.id = m.project_id
                      LEFT JOIN tasks t ON t.id = m.task_id
                     WHERE (?::text IS NULL OR p.asana_gid = ?) AND (? OR m.kind = 'remembered')
                     ORDER BY m.created_at DESC, m.id DESC LIMIT ?""")) {
                ps.setString(1, projectGid.orElse(null));
                ps.setString(2, projectGid.orElse(null));
                ps.setBoolean(3, answers);
                ps.setInt(4, limit);
                List<Listed> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Listed(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), rs.getString(6), rs.getString(7), rs.getTimestamp(8).toInstant()));
                    }
                }
                return out;
            }
        });
    }

    /** Forgets one memory (a remembered fact or an indexed answer); false when there is none with that id. */
    public boolean forget(long id) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM memories WHERE id = ?")) {
                ps.setLong(1, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    private static List<Remembered> remembered(PreparedStatement ps) throws SQLException {
        List<Remembered> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Remembered(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
            }
        }
        return out;
    }
}
