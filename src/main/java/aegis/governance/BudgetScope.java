package aegis.governance;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a spending cap applies to: {@code global}, {@code project:<gid>}, {@code kind:<agent kind>} or
 * {@code bot:<name>} (the bot that runs the execution). A small value: a further type is one entry in
 * {@link #TYPES} more.
 */
public record BudgetScope(String type, String value) {
    /** Types that take a value after a colon; {@code global} takes none. */
    static final Set<String> TYPES = Set.of("project", "kind", "bot");

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

    public static BudgetScope bot(String name) {
        return new BudgetScope("bot", name);
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
        throw new IllegalArgumentException("'" + t + "' is not a budget scope: use global, project:<gid>, kind:<kind> "
                + "or bot:<name>");
    }

    /** The scopes an execution is charged to: global, its project's, its agent kind's and its bot's. */
    public static Set<BudgetScope> of(String projectGid, String agentKind, String bot) {
        Set<BudgetScope> s = new LinkedHashSet<>();
        s.add(GLOBAL);
        if (projectGid != null) {
            s.add(project(projectGid));
        }
        if (agentKind != null) {
            s.add(kind(agentKind));
        }
        if (bot != null) {
            s.add(bot(bot));
        }
        return s;
    }

    @Override
    public String toString() {
        return value == null ? type : type + ":" + value;
    }
}
