package aegis.memory;

import aegis.db.Jdbc;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@link Recall} by PostgreSQL full-text search over {@code memories.document} (GIN index
 * memories_document_idx): the task's words are asked for with "or" between them
 * ({@code websearch_to_tsquery}, which never fails on odd input), so a memory sharing any of
 * them matches, and {@code ts_rank} (normalised by length, so a long answer does not win by
 * size alone) orders the matches.
 */
@Singleton
public final class FullTextRecall implements Recall {
    /** Words of the task asked for at most: a long description adds little but cost. */
    static final int MAX_TERMS = 64;
    private static final java.util.regex.Pattern NOT_WORD = java.util.regex.Pattern.compile("[^\\p{L}\\p{N}]+");

    /**
     * The newest answers of a project searched, at most (memories_project_idx serves them): each run
     * looks at a bounded window of recent work instead of ranking every answer that shares a common
     * word with the task, whose cost would grow with the project's history. Each answer in the window
     * is matched and ranked on every run (about 0.6 µs each on one core, ten times that on a loaded
     * one): 100 keeps the recall under a tenth of a millisecond, a few weeks of a busy team's answers.
     */
    static final int WINDOW = 100;

    private static final String SQL = """
            WITH q AS (SELECT websearch_to_tsquery('english', ?) AS query)
            (SELECT m.id, m.kind, m.title, m.body, m.author_name, m.created_at
               FROM (SELECT a.id, a.kind, a.title, a.body, a.author_name, a.created_at, a.task_id, a.document
                       FROM memories a WHERE a.project_id = ? AND a.kind = 'answer'
                      ORDER BY a.created_at DESC LIMIT %d) m, q
              WHERE m.task_id IS DISTINCT FROM ? AND m.document @@ q.query
              ORDER BY ts_rank(m.document, q.query, 1) DESC, m.created_at DESC, m.id DESC
              LIMIT ?)
            UNION ALL
            (SELECT m.id, m.kind, m.title, m.body, m.author_name, m.created_at
               FROM memories m, q
              WHERE m.project_id = ? AND m.kind = 'remembered'
              ORDER BY m.document @@ q.query DESC, ts_rank(m.document, q.query, 1) DESC, m.created_at DESC, m.id DESC
              LIMIT ?)""".formatted(WINDOW);

    private final Jdbc jdbc;

    public FullTextRecall(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public List<Recollection> recall(Query q) {
        if (q.limit() <= 0) {
            return List.of();
        }
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL)) {
                ps.setString(1, anyOf(q.text()));
                ps.setLong(2, q.projectId());
                ps.setLong(3, q.taskId());
                ps.setInt(4, q.limit());
                ps.setLong(5, q.projectId());
                ps.setInt(6, q.limit());
                List<Recollection> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Recollection(rs.getLong(1), Recollection.Kind.of(rs.getString(2)), rs.getString(3),
                                rs.getString(4), rs.getString(5), rs.getTimestamp(6).toInstant()));
                    }
                }
                return out;
            }
        });
    }

    /**
     * The text's words joined by "or", for {@code websearch_to_tsquery}: its default is "and",
     * which would miss a memory that answers the question in other words than all of it.
     */
    static String anyOf(String text) {
        Set<String> words = new LinkedHashSet<>();
        for (String w : NOT_WORD.split((text == null ? "" : text).toLowerCase(java.util.Locale.ROOT))) {
            // "or" would be read as the operator, and a lone "-" as negation: words only.
            if (!w.isEmpty() && !w.equals("or") && words.size() < MAX_TERMS) {
                words.add(w);
            }
        }
        return String.join(" or ", words);
    }
}
