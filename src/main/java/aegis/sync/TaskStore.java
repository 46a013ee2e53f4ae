package aegis.sync;

import aegis.asana.AsanaModel.Membership;
import aegis.asana.AsanaModel.Ref;
import aegis.asana.AsanaModel.Story;
import aegis.asana.AsanaModel.Task;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Objects;
import java.util.Optional;

/**
 * The SQL of the task and comment mirror. Writes are multi-row upserts over arrays
 * ({@code unnest}), one statement per batch; a row is rewritten only when a stored field
 * differs and Asana's copy is not older than the stored one, and each statement answers
 * what changed so that signals can be derived.
 */
public final class TaskStore {

    /** A task to store under a tracked project. */
    public record Row(long projectId, String projectGid, Task task) {
    }

    /** Enough of a task's state to decide signals. */
    public record State(String assigneeGid, boolean completed, boolean deleted) {
        /** Open, not deleted, assigned to one of the bots. */
        public boolean wantsBot(Set<String> botGids) {
            return assigneeGid != null && botGids.contains(assigneeGid) && !completed && !deleted;
        }
    }

    /** One row written: its state before (null when new) and after. */
    public record Change(long taskId, String taskGid, State before, State after) {
    }

    /**
     * A comment written for the first time; {@code htmlText} as Asana gave it (mentions are links in
     * it), {@code createdAt} when it was written in Asana (null when Asana did not say);
     * {@code remember}: it asks the bot to remember something ({@link TaskSignal.Remember#asks}).
     */
    public record NewComment(long taskId, String taskGid, String commentGid, String authorGid, boolean fromBot,
                             String htmlText, Instant createdAt, boolean remember) {
        public NewComment(long taskId, String taskGid, String commentGid, String authorGid, boolean fromBot) {
            this(taskId, taskGid, commentGid, authorGid, fromBot, null, null, false);
        }

        public NewComment(long taskId, String taskGid, String commentGid, String authorGid, boolean fromBot,
                          String htmlText, Instant createdAt) {
            this(taskId, taskGid, commentGid, authorGid, fromBot, htmlText, createdAt, false);
        }

        public NewComment(long taskId, String taskGid, String commentGid, String authorGid, boolean fromBot,
                          boolean remember) {
            this(taskId, taskGid, commentGid, authorGid, fromBot, null, null, remember);
        }
    }

    private static final String COLS = "asana_gid, project_id, name, notes, html_notes, completed, completed_at, "
            + "due_on, due_at, assignee_gid, assignee_name, parent_gid, section_gid, section_name, tags, "
            + "custom_fields, memberships, permalink_url, asana_created_at, modified_at, assigned_to_aegis";
    private static final String[] MIRRORED = {"name", "notes", "html_notes", "completed", "completed_at",
        "due_on", "due_at", "assignee_gid", "assignee_name", "parent_gid", "section_gid", "section_name",
        "tags", "custom_fields", "memberships", "permalink_url", "asana_created_at", "modified_at",
        "assigned_to_aegis", "parent_task_id"};

    private static final String UPSERT_TASKS;

    static {
        StringBuilder set = new StringBuilder();
        StringBuilder oldT = new StringBuilder();
        StringBuilder newT = new StringBuilder();
        for (String c : MIRRORED) {
            set.append(c).append(" = EXCLUDED.").append(c).append(", ");
            oldT.append(oldT.isEmpty() ? "" : ", ").append("tasks.").append(c);
            newT.append(newT.isEmpty() ? "" : ", ").append("EXCLUDED.").append(c);
        }
        UPSERT_TASKS = "WITH input AS (SELECT * FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], "
                + "?::text[], ?::boolean[], ?::timestamptz[], ?::date[], ?::timestamptz[], ?::text[], ?::text[], "
                + "?::text[], ?::text[], ?::text[], ?::jsonb[], ?::jsonb[], ?::jsonb[], ?::text[], "
                + "?::timestamptz[], ?::timestamptz[], ?::boolean[]) AS i(" + COLS + ")), "
                + "old AS (SELECT t.asana_gid, t.assignee_gid, t.completed, t.deleted FROM tasks t "
                + "  JOIN input i ON i.asana_gid = t.asana_gid), "
                // The parent's row when it is stored already; a parent new in this statement is
                // not visible to it, and is linked by LINK_CHILDREN right after.
                + "up AS (INSERT INTO tasks (" + COLS + ", parent_task_id, last_synced_at) SELECT " + COLS
                + ", (SELECT p.id FROM tasks p WHERE p.asana_gid = input.parent_gid), now() FROM input "
                + "  ON CONFLICT (asana_gid) DO UPDATE SET " + set
                + "  deleted = false, deleted_at = NULL, last_synced_at = now() "
                + "  WHERE ((" + oldT + ") IS DISTINCT FROM (" + newT + ") OR tasks.deleted) "
                // A fetch that started before a newer one was written must not put the older
                // state back; a row skipped here is not returned, so it raises no signal.
                + "    AND (tasks.modified_at IS NULL OR EXCLUDED.modified_at IS NULL "
                + "         OR EXCLUDED.modified_at >= tasks.modified_at) "
                + "  RETURNING id, asana_gid, assignee_gid, completed, deleted) "
                + "SELECT up.id, up.asana_gid, up.assignee_gid, up.completed, up.deleted, "
                + "  old.asana_gid IS NOT NULL AS existed, old.assignee_gid, old.completed, old.deleted "
                + "FROM up LEFT JOIN old ON old.asana_gid = up.asana_gid";
    }

    /** Children stored before their parent arrived get its row; parent_gid's index finds them. */
    private static final String LINK_CHILDREN = """
            UPDATE tasks child
               SET parent_task_id = parent.id
              FROM tasks parent
             WHERE parent.asana_gid = ANY(?)
               AND child.parent_gid = parent.asana_gid
               AND child.parent_task_id IS DISTINCT FROM parent.id""";

    private TaskStore() {
    }

    /**
     * Upserts {@code rows} (duplicates by gid: the last wins); answers the rows that changed.
     * {@code assigned_to_aegis} says whether the assignee is one of {@code botGids}; {@code parent_task_id}
     * links the parent where it is stored, and links children that were waiting for a new row.
     */
    public static List<Change> upsertTasks(Connection c, Collection<Row> rows, Set<String> botGids, ObjectMapper json)
            throws SQLException {
        Map<String, Row> byGid = new LinkedHashMap<>();
        for (Row r : rows) {
            byGid.put(r.task().gid(), r);
        }
        if (byGid.isEmpty()) {
            return List.of();
        }
        int n = byGid.size();
        String[] gid = new String[n], name = new String[n], notes = new String[n], html = new String[n],
                completedAt = new String[n], dueOn = new String[n], dueAt = new String[n], assignee = new String[n],
                assigneeName = new String[n], parent = new String[n], sectionGid = new String[n],
                sectionName = new String[n], tags = new String[n], custom = new String[n], members = new String[n],
                permalink = new String[n], createdAt = new String[n], modifiedAt = new String[n];
        Long[] project = new Long[n];
        Boolean[] completed = new Boolean[n], toBot = new Boolean[n];
        int i = 0;
        for (Row r : byGid.values()) {
            Task t = r.task();
            gid[i] = t.gid();
            project[i] = r.projectId();
            name[i] = t.name() == null ? "" : t.name();
            notes[i] = t.notes();
            html[i] = t.htmlNotes();
            completed[i] = t.completed();
            completedAt[i] = str(t.completedAt());
            dueOn[i] = t.dueOn() == null ? null : t.dueOn().toString();
            dueAt[i] = str(t.dueAt());
            assignee[i] = t.assignee() == null ? null : t.assignee().gid();
            assigneeName[i] = t.assignee() == null ? null : t.assignee().name();
            toBot[i] = assignee[i] != null && botGids.contains(assignee[i]);
            parent[i] = t.parent() == null ? null : t.parent().gid();
            Optional<Membership> m = section(t, r.projectGid());
            sectionGid[i] = m.map(Membership::sectionGid).orElse(null);
            sectionName[i] = m.map(Membership::sectionName).orElse(null);
            tags[i] = tagsJson(json, t.tags());
            custom[i] = json(json, t.customFields() == null ? List.of() : t.customFields());
            members[i] = json(json, t.memberships() == null ? List.of() : t.memberships());
            permalink[i] = t.permalinkUrl();
            createdAt[i] = str(t.createdAt());
            modifiedAt[i] = str(t.modifiedAt());
            i++;
        }
        List<Change> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(UPSERT_TASKS)) {
            int p = 1;
            ps.setArray(p++, text(c, gid));
            ps.setArray(p++, c.createArrayOf("bigint", project));
            ps.setArray(p++, text(c, name));
            ps.setArray(p++, text(c, notes));
            ps.setArray(p++, text(c, html));
            ps.setArray(p++, c.createArrayOf("boolean", completed));
            for (String[] a : List.of(completedAt, dueOn, dueAt, assignee, assigneeName, parent, sectionGid,
                    sectionName, tags, custom, members, permalink, createdAt, modifiedAt)) {
                ps.setArray(p++, text(c, a));
            }
            ps.setArray(p, c.createArrayOf("boolean", toBot));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    State after = new State(rs.getString(3), rs.getBoolean(4), rs.getBoolean(5));
                    State before = rs.getBoolean(6)
                            ? new State(rs.getString(7), rs.getBoolean(8), rs.getBoolean(9)) : null;
                    out.add(new Change(rs.getLong(1), rs.getString(2), before, after));
                }
            }
        }
        String[] inserted = out.stream().filter(ch -> ch.before() == null).map(Change::taskGid)
                .toArray(String[]::new);
        if (inserted.length > 0) {
            try (PreparedStatement ps = c.prepareStatement(LINK_CHILDREN)) {
                ps.setArray(1, text(c, inserted));
                ps.executeUpdate();
            }
        }
        return out;
    }

    /**
     * Puts right, across the whole mirror, the two columns that depend on more than a task's own
     * fetch: {@code assigned_to_aegis} after the bot's gid became known (rows stored before V55)
     * or changed (another token), and {@code parent_task_id} of children whose parent was stored
     * by a concurrent transaction neither saw. Once per full sync: a scan of the table, writing
     * only the rows that disagree. Answers the rows changed.
     */
    public static int align(Connection c, Set<String> botGids) throws SQLException {
        int changed;
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE tasks SET assigned_to_aegis = NOT assigned_to_aegis
                 WHERE assigned_to_aegis <> coalesce(assignee_gid = ANY (?), false)""")) {
            ps.setArray(1, c.createArrayOf("text", botGids.toArray()));
            changed = ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE tasks child
                   SET parent_task_id = parent.id
                  FROM tasks parent
                 WHERE child.parent_gid = parent.asana_gid
                   AND child.parent_gid IS NOT NULL AND child.parent_task_id IS NULL""")) {
            changed += ps.executeUpdate();
        }
        return changed;
    }

    /** Marks tasks deleted; answers those that were not yet. */
    public static List<Change> markDeleted(Connection c, Collection<String> taskGids) throws SQLException {
        if (taskGids.isEmpty()) {
            return List.of();
        }
        try (PreparedStatement ps = c.prepareStatement("WITH old AS (SELECT id, assignee_gid, completed FROM tasks "
                + " WHERE asana_gid = ANY(?) AND NOT deleted FOR UPDATE) "
                + "UPDATE tasks t SET deleted = true, deleted_at = now(), last_synced_at = now() FROM old "
                + "WHERE t.id = old.id RETURNING t.id, t.asana_gid, old.assignee_gid, old.completed")) {
            ps.setArray(1, text(c, taskGids.toArray(String[]::new)));
            return deletedChanges(ps);
        }
    }

    /**
     * The full sync's sweep: tasks of the project that Asana no longer lists. Subtasks are
     * swept only under parents whose subtasks were listed in this sync.
     */
    public static List<Change> sweepProject(Connection c, long projectId, Collection<String> seen,
                                            Collection<String> listedParents) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("WITH old AS (SELECT id, assignee_gid, completed FROM tasks "
                + " WHERE project_id = ? AND NOT deleted AND NOT (asana_gid = ANY(?)) "
                + "   AND (parent_gid IS NULL OR parent_gid = ANY(?)) FOR UPDATE) "
                + "UPDATE tasks t SET deleted = true, deleted_at = now(), last_synced_at = now() FROM old "
                + "WHERE t.id = old.id RETURNING t.id, t.asana_gid, old.assignee_gid, old.completed")) {
            ps.setLong(1, projectId);
            ps.setArray(2, text(c, seen.toArray(String[]::new)));
            ps.setArray(3, text(c, listedParents.toArray(String[]::new)));
            return deletedChanges(ps);
        }
    }

    private static List<Change> deletedChanges(PreparedStatement ps) throws SQLException {
        List<Change> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String assignee = rs.getString(3);
                boolean completed = rs.getBoolean(4);
                out.add(new Change(rs.getLong(1), rs.getString(2), new State(assignee, completed, false),
                        new State(assignee, completed, true)));
            }
        }
        return out;
    }

    /** A comment to store: the story and the task's local id. */
    public record CommentRow(long taskId, String taskGid, Story story) {
    }

    /** Upserts comment stories (others are ignored); answers the comments new to the mirror. */
    public static List<NewComment> upsertComments(Connection c, Collection<CommentRow> rows, Set<String> botGids)
            throws SQLException {
        Map<String, CommentRow> byGid = new LinkedHashMap<>();
        for (CommentRow r : rows) {
            if (r.story().isComment()) {
                byGid.put(r.story().gid(), r);
            }
        }
        if (byGid.isEmpty()) {
            return List.of();
        }
        int n = byGid.size();
        String[] gid = new String[n], author = new String[n], authorName = new String[n], text = new String[n],
                html = new String[n], subtype = new String[n], created = new String[n], taskGid = new String[n];
        Long[] task = new Long[n];
        Boolean[] fromBot = new Boolean[n];
        int i = 0;
        for (CommentRow r : byGid.values()) {
            Story s = r.story();
            gid[i] = s.gid();
            task[i] = r.taskId();
            taskGid[i] = r.taskGid();
            author[i] = s.createdBy() == null ? null : s.createdBy().gid();
            authorName[i] = s.createdBy() == null ? null : s.createdBy().name();
            text[i] = s.text() == null ? "" : s.text();
            html[i] = s.htmlText();
            subtype[i] = s.resourceSubtype() == null ? "comment_added" : s.resourceSubtype();
            fromBot[i] = author[i] != null && botGids.contains(author[i]);
            created[i] = str(s.createdAt());
            i++;
        }
        List<NewComment> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO comments (asana_gid, task_id, author_gid, "
                + "author_name, text, html_text, resource_subtype, is_from_bot, asana_created_at) "
                + "SELECT * FROM unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], "
                + "?::text[], ?::boolean[], ?::timestamptz[]) "
                + "ON CONFLICT (asana_gid) DO UPDATE SET text = EXCLUDED.text, html_text = EXCLUDED.html_text, "
                + "author_name = EXCLUDED.author_name "
                + "WHERE (comments.text, comments.html_text, comments.author_name) IS DISTINCT FROM "
                + "(EXCLUDED.text, EXCLUDED.html_text, EXCLUDED.author_name) "
                + "RETURNING asana_gid, task_id, author_gid, is_from_bot, (xmax = 0) AS inserted, html_text, asana_created_at")) {
            ps.setArray(1, text(c, gid));
            ps.setArray(2, c.createArrayOf("bigint", task));
            ps.setArray(3, text(c, author));
            ps.setArray(4, text(c, authorName));
            ps.setArray(5, text(c, text));
            ps.setArray(6, text(c, html));
            ps.setArray(7, text(c, subtype));
            ps.setArray(8, c.createArrayOf("boolean", fromBot));
            ps.setArray(9, text(c, created));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(5)) {
                        String g = rs.getString(1);
                        out.add(new NewComment(rs.getLong(2), byGid.get(g).taskGid(), g, rs.getString(3),
                                rs.getBoolean(4), rs.getString(6),
                                rs.getTimestamp(7) == null ? null : rs.getTimestamp(7).toInstant(),
                                TaskSignal.Remember.asks(byGid.get(g).story().text())));
                    }
                }
            }
        }
        return out;
    }

    /** Local id and state of stored tasks, by gid. */
    public record Known(long id, long projectId, String gid, State state, Instant modifiedAt) {
    }

    public static Map<String, Known> find(Connection c, Collection<String> gids) throws SQLException {
        Map<String, Known> out = new LinkedHashMap<>();
        if (gids.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT id, project_id, asana_gid, assignee_gid, completed, "
                + "deleted, modified_at FROM tasks WHERE asana_gid = ANY(?)")) {
            ps.setArray(1, text(c, gids.toArray(String[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    var ts = rs.getTimestamp(7);
                    out.put(rs.getString(3), new Known(rs.getLong(1), rs.getLong(2), rs.getString(3),
                            new State(rs.getString(4), rs.getBoolean(5), rs.getBoolean(6)),
                            ts == null ? null : ts.toInstant()));
                }
            }
        }
        return out;
    }

    /** Which of these comment gids are already stored. */
    public static java.util.Set<String> knownComments(Connection c, Collection<String> gids) throws SQLException {
        java.util.Set<String> out = new java.util.HashSet<>();
        if (gids.isEmpty()) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT asana_gid FROM comments WHERE asana_gid = ANY(?)")) {
            ps.setArray(1, text(c, gids.toArray(String[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    static Optional<Membership> section(Task t, String projectGid) {
        if (t.memberships() == null) {
            return Optional.empty();
        }
        return t.memberships().stream().filter(m -> Objects.equals(m.projectGid(), projectGid)).findFirst()
                .or(() -> t.memberships().stream().findFirst());
    }

    private static String tagsJson(ObjectMapper json, List<Ref> tags) {
        ArrayNode a = json.createArrayNode();
        if (tags != null) {
            for (Ref r : tags) {
                ObjectNode o = a.addObject();
                o.put("gid", r.gid());
                o.put("name", r.name());
            }
        }
        return a.toString();
    }

    private static String json(ObjectMapper json, Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    private static String str(Instant t) {
        return t == null ? null : t.toString();
    }

    static String str(LocalDate d) {
        return d == null ? null : d.toString();
    }

    private static Array text(Connection c, String[] values) throws SQLException {
        return c.createArrayOf("text", values);
    }
}
