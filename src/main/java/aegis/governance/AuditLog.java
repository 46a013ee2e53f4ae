package aegis.governance;

import aegis.db.Jdbc;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Reads the audit trail, oldest first, for {@code aegis audit}. */
@Singleton
public final class AuditLog {
    private final Jdbc jdbc;

    public AuditLog(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** One record; JSON keys in snake_case, nulls included. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Entry(long id, String at, String category, String actor, String action, String method,
                        String resource, String subject, String taskGid, Long executionId, String storyGid,
                        String result, String detail) {
    }

    /**
     * What to list: records since {@code since}, only those of {@code taskGid} and of
     * {@code executionId} when given (an operator action has neither), at most {@code limit}.
     */
    public record Filter(Instant since, String taskGid, Long executionId, int limit) {
    }

    public List<Entry> list(Filter f) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT id, at, category, actor, action, method, resource, subject, task_gid, execution_id,
                           story_gid, result, detail::text
                      FROM audit_log
                     WHERE at >= ? AND (?::text IS NULL OR task_gid = ?) AND (?::bigint IS NULL OR execution_id = ?)
                     ORDER BY at, id
                     LIMIT ?""")) {
                ps.setTimestamp(1, Timestamp.from(f.since()));
                ps.setString(2, f.taskGid());
                ps.setString(3, f.taskGid());
                AuditTrail.bindNullableLong(ps, 4, f.executionId());
                AuditTrail.bindNullableLong(ps, 5, f.executionId());
                ps.setInt(6, f.limit());
                List<Entry> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long exec = rs.getLong(10);
                        Long execution = rs.wasNull() ? null : exec;
                        out.add(new Entry(rs.getLong(1), rs.getTimestamp(2).toInstant().toString(), rs.getString(3),
                                rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                                rs.getString(9), execution, rs.getString(11), rs.getString(12), rs.getString(13)));
                    }
                }
                return out;
            }
        });
    }
}
