package aegis.governance;

import java.util.Locale;

/** When a person's approval is asked: before the agent starts, or before its answer is applied. */
public enum ApprovalStage {
    BEFORE_RUN, BEFORE_FINISH;

    /** The name stored in {@code approvals.stage}. */
    public String dbName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static ApprovalStage ofDb(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
