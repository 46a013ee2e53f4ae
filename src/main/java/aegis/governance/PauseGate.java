package aegis.governance;

/**
 * Whether an execution may be claimed under the current pause, as a condition on a
 * {@code task_executions} row that the claim statement carries: the state is read in the claim
 * itself, so every instance stops claiming the moment a pause commits, with no cache to go
 * stale. An execution whose outcome is already recorded is still claimed: reporting an answer
 * owed finishes work that ran, it starts none.
 */
public final class PauseGate {
    /** The condition; it names the row's table as {@code task_executions}. */
    public static final String CLAIMABLE = """
            (task_executions.outcome IS NOT NULL OR (
               NOT EXISTS (SELECT 1 FROM system_state s WHERE s.id = 1 AND s.orchestrator_status = 'paused')
               AND NOT EXISTS (SELECT 1 FROM project_pauses pp
                                 JOIN projects p ON p.asana_gid = pp.project_gid
                                 JOIN tasks t ON t.project_id = p.id
                                WHERE t.id = task_executions.task_id)))""";

    private PauseGate() {
    }
}
