package aegis.sync;

import aegis.testing.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Compares the mirror with the simulator's dump, field by field; answers the differences. */
final class MirrorCheck {
    private MirrorCheck() {
    }

    @SuppressWarnings("unchecked")
    static List<String> differences(Map<String, Object> dump, TestDatabase.Schema schema, String botGid) {
        Map<String, Map<String, Object>> db = new HashMap<>();
        Map<String, Set<String>> dbComments = new HashMap<>();
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT t.asana_gid, t.name, t.notes, t.html_notes, t.completed, "
                    + "t.completed_at, t.assignee_gid, t.assignee_name, t.parent_gid, t.section_gid, t.section_name, "
                    + "t.permalink_url, t.asana_created_at, t.modified_at, t.deleted, p.asana_gid, "
                    + "t.assigned_to_aegis, linked.asana_gid "
                    + "FROM tasks t JOIN projects p ON p.id = t.project_id "
                    + "LEFT JOIN tasks linked ON linked.id = t.parent_task_id")) {
                while (rs.next()) {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("name", rs.getString(2));
                    r.put("notes", rs.getString(3));
                    r.put("html_notes", rs.getString(4));
                    r.put("completed", rs.getBoolean(5));
                    r.put("completed_at", ts(rs.getTimestamp(6)));
                    r.put("assignee", rs.getString(7));
                    r.put("assignee_name", rs.getString(8));
                    r.put("parent", rs.getString(9));
                    r.put("section", rs.getString(10));
                    r.put("section_name", rs.getString(11));
                    r.put("permalink_url", rs.getString(12));
                    r.put("created_at", ts(rs.getTimestamp(13)));
                    r.put("modified_at", ts(rs.getTimestamp(14)));
                    r.put("deleted", rs.getBoolean(15));
                    r.put("project", rs.getString(16));
                    r.put("assigned_to_aegis", rs.getBoolean(17));
                    r.put("parent_row", rs.getString(18));
                    db.put(rs.getString(1), r);
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT t.asana_gid, c.asana_gid FROM comments c "
                    + "JOIN tasks t ON t.id = c.task_id")) {
                while (rs.next()) {
                    dbComments.computeIfAbsent(rs.getString(1), k -> new HashSet<>()).add(rs.getString(2));
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        List<String> diffs = new ArrayList<>();
        for (Map<String, Object> p : (List<Map<String, Object>>) dump.get("projects")) {
            String pg = (String) p.get("gid");
            for (Map<String, Object> t : (List<Map<String, Object>>) p.get("tasks")) {
                String gid = (String) t.get("gid");
                boolean deleted = Boolean.TRUE.equals(t.get("deleted"));
                Map<String, Object> row = db.get(gid);
                if (row == null) {
                    if (!deleted) {
                        diffs.add(gid + ": missing from the mirror");
                    }
                    continue;
                }
                if (deleted) {
                    if (!Boolean.TRUE.equals(row.get("deleted"))) {
                        diffs.add(gid + ": deleted in Asana, not in the mirror");
                    }
                    continue;
                }
                Map<String, Object> want = new LinkedHashMap<>();
                want.put("name", t.get("name"));
                want.put("notes", t.get("notes"));
                want.put("html_notes", t.get("html_notes"));
                want.put("completed", t.get("completed"));
                want.put("completed_at", t.get("completed_at"));
                Map<String, Object> a = (Map<String, Object>) t.get("assignee");
                want.put("assignee", a == null ? null : a.get("gid"));
                want.put("assignee_name", a == null ? null : a.get("name"));
                Map<String, Object> parent = (Map<String, Object>) t.get("parent");
                want.put("parent", parent == null ? null : parent.get("gid"));
                Map<String, Object> section = null;
                for (Map<String, Object> m : (List<Map<String, Object>>) t.get("memberships")) {
                    if (pg.equals(((Map<String, Object>) m.get("project")).get("gid"))) {
                        section = (Map<String, Object>) m.get("section");
                    }
                }
                want.put("section", section == null ? null : section.get("gid"));
                want.put("section_name", section == null ? null : section.get("name"));
                want.put("permalink_url", t.get("permalink_url"));
                want.put("created_at", t.get("created_at"));
                want.put("modified_at", t.get("modified_at"));
                want.put("deleted", false);
                want.put("project", pg);
                want.put("assigned_to_aegis", botGid.equals(want.get("assignee")));
                // The parent's row once the parent is mirrored, whichever arrived first.
                want.put("parent_row", db.containsKey(want.get("parent")) ? want.get("parent") : null);
                want.forEach((k, v) -> {
                    if (!Objects.equals(norm(v), norm(row.get(k)))) {
                        diffs.add(gid + "." + k + ": asana=" + v + " mirror=" + row.get(k));
                    }
                });
                // The thread of an open task of the bot is mirrored too.
                if (botGid.equals(want.get("assignee")) && !Boolean.TRUE.equals(t.get("completed"))) {
                    for (Map<String, Object> cm : (List<Map<String, Object>>) t.get("comments")) {
                        if (!dbComments.getOrDefault(gid, Set.of()).contains((String) cm.get("gid"))) {
                            diffs.add(gid + ": comment " + cm.get("gid") + " missing");
                        }
                    }
                }
            }
        }
        return diffs;
    }

    private static String ts(java.sql.Timestamp t) {
        return t == null ? null : t.toInstant().toString();
    }

    private static Object norm(Object v) {
        if (v instanceof String s && s.length() >= 20 && s.charAt(4) == '-' && s.endsWith("Z")) {
            try {
                return Instant.parse(s);
            } catch (java.time.format.DateTimeParseException e) {
                return s;
            }
        }
        return v;
    }
}
