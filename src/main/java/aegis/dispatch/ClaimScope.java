package aegis.dispatch;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * Which pending executions of one kind an instance claims: all of them, all but those of some
 * projects ({@code only} false), or only those of some projects ({@code only} true). A project
 * whose repository this instance lacks is left to an instance that has it (see {@link ClaimScopes}).
 */
public record ClaimScope(String kind, List<String> projectGids, boolean only) {
    public ClaimScope {
        projectGids = List.copyOf(projectGids);
    }

    public static ClaimScope all(String kind) {
        return new ClaimScope(kind, List.of(), false);
    }

    boolean restricted() {
        return only || !projectGids.isEmpty();
    }

    /** The claim's filter on {@code task_executions}; its parameters are bound by {@link #bind}. */
    String filter() {
        if (!restricted()) {
            return "agent_type = ?";
        }
        return "agent_type = ? AND " + (only ? "" : "NOT ") + """
                EXISTS (SELECT 1 FROM tasks t JOIN projects p ON p.id = t.project_id
                                WHERE t.id = task_executions.task_id AND p.asana_gid = ANY (?::text[]))""";
    }

    /** Binds the filter's parameters from {@code i}; the next free index. */
    int bind(PreparedStatement ps, int i) throws SQLException {
        ps.setString(i, kind);
        if (!restricted()) {
            return i + 1;
        }
        ps.setArray(i + 1, ps.getConnection().createArrayOf("text", projectGids.toArray()));
        return i + 2;
    }
}
