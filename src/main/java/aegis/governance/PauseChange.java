package aegis.governance;

/** A change of the pause, as {@link PauseListener}s hear it. {@code projectGid} null: the whole orchestrator. */
public sealed interface PauseChange {
    String projectGid();

    /** Nothing new is claimed; with {@code stopRunning} ({@code --now}) the runs under way stop too. */
    record Paused(String projectGid, boolean stopRunning) implements PauseChange {
    }

    /** Claiming may start again. */
    record Resumed(String projectGid) implements PauseChange {
    }
}
