package aegis.governance;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a spending cap applies to: {@code global}, {@code project:<gid>} or {@code kind:<agent kind>}.
 * A small value so that further types ({@code bot:<name>}) are one entry in {@link #TYPES} more.
 */
public record BudgetScope(String type, String value) {
    /** Types that take a value after a colon; {@code global} takes none. */
    static final Set<String> TYPES = Set.of("project", "kind");

    public BudgetScope {
        if (type.equals("global") ? value != null : !TYPES.contains(type) || value == null || value.isBlank()) {
            throw new IllegalArgumentException("not a budget scope: " + type + (value == null ? "" : ":" + value));
        }
    }

    public static final BudgetScope GLOBAL = new BudgetScope("global", null);

    public static BudgetScope project(String gid) {
        return new BudgetScope("project", gid);
    }

    public static BudgetScope kind(String kind) {
        return new BudgetScope("kind", kind);
    }

    /** {@code global}, {@code project:<gid>} or {@code kind:<kind>}; anything else is refused with the forms allowed. */
    public static BudgetScope parse(String text) {
        String t = text == null ? "" : text.strip();
        if (t.equals("global")) {
            return GLOBAL;
        }
        int colon = t.indexOf(':');
        if (colon > 0 && TYPES.contains(t.substring(0, colon)) && colon < t.length() - 1) {
            return new BudgetScope(t.substring(0, colon), t.substring(colon + 1));
        }
        throw new IllegalArgumentException("'" + t + "' is not a budget scope: use global, project:<gid> or kind:<kind>");
    }

    /** The scopes an execution is charged to: global, its project's and its agent kind's. */
    public static Set<BudgetScope> of(String projectGid, String agentKind) {
        Set<BudgetScope> s = new LinkedHashSet<>();
        s.add(GLOBAL);
        if (projectGid != null) {
            s.add(project(projectGid));
        }
        if (agentKind != null) {
            s.add(kind(agentKind));
        }
        return s;
    }

    @Override
    public String toString() {
        return value == null ? type : type + ":" + value;
    }
}
