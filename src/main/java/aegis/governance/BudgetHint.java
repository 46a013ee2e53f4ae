package aegis.governance;

/**
 * The budget left, as an approval request shows it ({@link BudgetLeft}).
 */
public interface BudgetHint {
    /** One line such as "$3.20 of $5.00 left today (global)", for a run of {@code agentKind} in {@code projectGid}. */
    String remainingFor(String projectGid, String agentKind);
}
