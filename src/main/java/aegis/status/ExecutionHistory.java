package aegis.status;

import aegis.db.Jdbc;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads execution history from the live table and the archive together, newest first, paged by
 * id (keyset: each side is an index scan on its primary key, however deep the page). One run in
 * full adds its prompt template, its answer and its agent_events timeline, for as long as retention
 * keeps the events (then they are daily counts, and the timeline says so).
 */
@Singleton
public final class ExecutionHistory {
    private static final String COLUMNS = """
            e.id, e.task_id, e.kind, e.agent_type, e.bot, e.status, e.outcome, e.attempt, e.duration_ms, e.input_tokens,
            e.output_tokens, e.cost_usd, e.created_at, e.started_at, e.finished_at""";
    /** The rows of {@code %2$s} with their task's gid, name and link, and {@code %1$s} more columns joined by {@code %3$s}. */
    private static final String SUMMARY = """
            SELECT x.*, t.asana_gid AS task_gid, t.name AS task_name, t.permalink_url AS task_url%1$s FROM (%2$s) x
              LEFT JOIN tasks t ON t.id = x.task_id%3$s""";

    private final Jdbc jdbc;

    public ExecutionHistory(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    public Executions.Page list(ExecutionFilter f) {
        List<String> where = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        f.status().ifPresent(s -> {
            where.add("e.status = ?");
            params.add(s);
        });
        f.taskGid().ifPresent(g -> {
            where.add("e.task_id = (SELECT id FROM tasks WHERE asana_gid = ?)");
            params.add(g);
        });
        f.since().ifPresent(d -> {
            where.add("e.created_at >= now() - make_interval(secs => ?)");
            params.add((double) d.toMillis() / 1000);
        });
        f.before().ifPresent(id -> {
            where.add("e.id < ?");
            params.add(id);
        });
        String cond = where.isEmpty() ? "" : " WHERE " + String.join(" AND ", where);
        // One more than asked: whether a next page exists, without counting.
        int fetch = f.limit() + 1;
        String side = "(SELECT " + COLUMNS + ", %s AS archived FROM %s e" + cond + " ORDER BY e.id DESC LIMIT " + fetch + ")";
        String union = side.formatted("false", "task_executions") + " UNION ALL " + side.formatted("true", "task_executions_archive");
        String sql = SUMMARY.formatted("", union, "") + " ORDER BY x.id DESC LIMIT " + fetch;
        return jdbc.withConnection(c -> {
            List<Executions.Summary> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                for (int table = 0; table < 2; table++) { // the live side, then the archive's
                    for (Object p : params) {
                        ps.setObject(i++, p);
                    }
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(summary(rs));
                    }
                }
            }
            if (rows.size() <= f.limit()) {
                return new Executions.Page(rows, null);
            }
            List<Executions.Summary> page = List.copyOf(rows.subList(0, f.limit()));
            return new Executions.Page(page, String.valueOf(page.get(page.size() - 1).id()));
        });
    }

    /** Everything about execution {@code id}, live or archived; empty when neither table has it. */
    public Optional<Executions.Detail> find(long id) {
        return jdbc.withConnection(c -> {
            Optional<Executions.Detail> live = detail(c, id, "task_executions", false);
            return live.isPresent() ? live : detail(c, id, "task_executions_archive", true);
        });
    }

    private static Optional<Executions.Detail> detail(Connection c, long id, String table, boolean archived)
            throws SQLException {
        String sql = SUMMARY.formatted("""
                , p.name AS prompt_name, p.agent_type AS prompt_type, p.version AS template_version,
                a.name AS agent_name""", "SELECT " + COLUMNS + ", " + archived + """
                 AS archived, e.agent_id, e.prompt_template_id, e.prompt_version, e.requested_by_gid,
                e.trigger_comment_gid, e.answer_story_gid, e.exit_code, e.error, e.output_excerpt, e.result
                FROM\s""" + table + " e WHERE e.id = ?", """

                LEFT JOIN prompt_templates p ON p.id = x.prompt_template_id
                LEFT JOIN agents a ON a.id = x.agent_id""");
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Executions.Summary s = summary(rs);
                int pv = rs.getInt("prompt_version");
                Integer promptVersion = rs.wasNull() ? null : pv;
                int tv = rs.getInt("template_version");
                Integer templateVersion = rs.wasNull() ? null : tv;
                String promptName = rs.getString("prompt_name");
                Executions.Prompt prompt = promptName == null && promptVersion == null ? null
                        : new Executions.Prompt(promptName, rs.getString("prompt_type"),
                        promptVersion != null ? promptVersion : templateVersion);
                int ec = rs.getInt("exit_code");
                Integer exitCode = rs.wasNull() ? null : ec;
                String story = rs.getString("answer_story_gid");
                // Events keep their own retention, apart from the run's archival: an archived run may still have them.
                List<Executions.Event> timeline = timeline(c, id);
                String note = !timeline.isEmpty() ? null
                        : "no events: none recorded, or past retention and summarised into daily counts "
                        + "(agent_event_daily_counts)";
                return Optional.of(new Executions.Detail(s, rs.getString("agent_name"), prompt,
                        rs.getString("requested_by_gid"), rs.getString("trigger_comment_gid"), story,
                        story == null ? null : s.taskUrl(), exitCode, rs.getString("error"),
                        rs.getString("output_excerpt"), rs.getString("result"), timeline, note));
            }
        }
    }

    private static List<Executions.Event> timeline(Connection c, long id) throws SQLException {
        List<Executions.Event> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT created_at, event_type, level, message, data::text FROM agent_events
                 WHERE execution_id = ? ORDER BY created_at, id""")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Executions.Event(iso(rs.getTimestamp(1)), rs.getString(2), rs.getString(3),
                            rs.getString(4), rs.getString(5)));
                }
            }
        }
        return out;
    }

    private static Executions.Summary summary(ResultSet rs) throws SQLException {
        long d = rs.getLong("duration_ms");
        Long duration = rs.wasNull() ? null : d;
        return new Executions.Summary(rs.getLong("id"), rs.getString("task_gid"), rs.getString("task_name"),
                rs.getString("task_url"), rs.getString("kind"), rs.getString("agent_type"), rs.getString("bot"), rs.getString("status"),
                rs.getString("outcome"), rs.getInt("attempt"), duration, rs.getLong("input_tokens"),
                rs.getLong("output_tokens"), StatusReader.money(rs.getBigDecimal("cost_usd")),
                iso(rs.getTimestamp("created_at")), iso(rs.getTimestamp("started_at")),
                iso(rs.getTimestamp("finished_at")), rs.getBoolean("archived"));
    }

    private static String iso(Timestamp t) {
        return StatusReader.iso(t);
    }
}
