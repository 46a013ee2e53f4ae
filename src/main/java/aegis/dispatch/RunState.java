package aegis.dispatch;

/**
 * Where one execution's run stands in its worker. A run starts {@link #RUNNING}; the first
 * reason to stop it wins, and {@link #canBecome} is the whole table of what may follow what.
 * {@link #CANCELLED} and {@link #LOST} mean the execution is no longer this worker's;
 * {@link #ENDED}, set by the worker itself when it leaves the run, follows everything and is
 * followed by nothing, so no stop meant for this run reaches the thread's next one.
 */
enum RunState {
    /** The agent is at work; the lease is renewed. */
    RUNNING,
    /** Past the agent's time limit: the agent is interrupted and the run recorded as timed out. */
    TIMED_OUT,
    /**
     * The outcome is reported (or the run is handing over): what is left is the ending
     * statement, which nothing interrupts, and the lease no longer needs renewing.
     */
    SETTLED,
    /**
     * The daemon is stopping: the agent is told to stop, and its lease is kept (renewed) until
     * it has, so that no other instance starts the task while its process group is still dying.
     */
    STOPPING,
    /**
     * An operator paused with {@code --now}: as {@link #STOPPING}, the agent is told to stop and
     * the lease kept until it has; the execution is then handed back to run after the resume,
     * neither the attempt nor the interruption counted.
     */
    PAUSED,
    /** A person withdrew the task: the execution ended as cancelled elsewhere. */
    CANCELLED,
    /** The lease was not renewed in time, or the execution was claimed again: someone else may run it. */
    LOST,
    /** The worker has left the run. */
    ENDED;

    boolean canBecome(RunState next) {
        if (next == ENDED) {
            return this != ENDED;
        }
        return switch (this) {
            case RUNNING -> next != RUNNING;
            // A run out of time is recorded as timed out even when the daemon stops meanwhile.
            case TIMED_OUT -> next == SETTLED || next == CANCELLED || next == LOST;
            case SETTLED, STOPPING, PAUSED, CANCELLED, LOST, ENDED -> false;
        };
    }

    /** Whether the worker still holds the execution's lease and must keep it alive. */
    boolean renewsLease() {
        return this == RUNNING || this == TIMED_OUT || this == STOPPING || this == PAUSED;
    }

    /** Whether the execution is no longer this worker's to write. */
    boolean gone() {
        return this == CANCELLED || this == LOST;
    }
}
