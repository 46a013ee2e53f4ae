package aegis.dispatch;

/**
 * A worker slot of the pool: its {@code agents} row and its agent kind. A slot with no row
 * ({@code agentId} null) stands in for work of a kind no instance here runs, which is failed
 * so the person hears.
 */
record Slot(Long agentId, String kind) {
    boolean isWorker() {
        return agentId != null;
    }
}
