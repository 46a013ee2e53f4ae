package aegis.sync;

import aegis.db.Jdbc;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/** The processing side of the webhooks inbox: claim, mark processed, record failures. */
@Singleton
public class InboxRows {
    static final int LOCK_SECONDS = 120;
    private final Jdbc jdbc;

    public InboxRows(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    public record Claimed(long id, String body, int attempts) {
    }

    /**
     * Claims due rows: pending ones, and processing ones whose claim expired (a worker died).
     * SKIP LOCKED lets several instances claim side by side.
     */
    public List<Claimed> claim(int limit) {
        return jdbc.withConnection(c -> {
            List<Claimed> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhooks w SET status = 'processing', "
                    + "locked_until = now() + make_interval(secs => ?) FROM (SELECT id FROM webhooks "
                    + "  WHERE status IN ('pending', 'processing') AND next_attempt_at <= now() "
                    + "  AND (locked_until IS NULL OR locked_until < now()) "
                    + "  ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED) due "
                    + "WHERE w.id = due.id RETURNING w.id, w.payload::text, w.attempts")) {
                ps.setInt(1, LOCK_SECONDS);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Claimed(rs.getLong(1), rs.getString(2), rs.getInt(3)));
                    }
                }
            }
            out.sort(java.util.Comparator.comparingLong(Claimed::id));
            return out;
        });
    }

    public void processed(List<Long> ids) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhooks SET status = 'processed', "
                    + "processed_at = now(), locked_until = NULL, last_error = NULL WHERE id = ANY(?)")) {
                ps.setArray(1, c.createArrayOf("bigint", ids.toArray(Long[]::new)));
                return ps.executeUpdate();
            }
        });
    }

    /** Records a failed attempt: retried after an exponential backoff, or failed once attempts run out. */
    public void failed(long id, String error, int maxAttempts) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhooks SET attempts = attempts + 1, "
                    + "last_error = ?, locked_until = NULL, "
                    + "status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END, "
                    + "next_attempt_at = now() + make_interval(secs => least(power(2, attempts + 1), 900) "
                    + "  * (0.75 + random() / 2)) WHERE id = ?")) {
                ps.setString(1, error.length() > 1000 ? error.substring(0, 1000) : error);
                ps.setInt(2, maxAttempts);
                ps.setLong(3, id);
                return ps.executeUpdate();
            }
        });
    }
}
