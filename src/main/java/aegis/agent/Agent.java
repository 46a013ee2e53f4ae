package aegis.agent;

import java.time.Duration;

/**
 * One kind of agent: given a task, its thread, its project and a rendered prompt, it
 * returns an outcome. Implementations respond to interruption (the execution was
 * cancelled, or the daemon is stopping) by stopping their work promptly and throwing
 * {@link InterruptedException}; a command agent kills its process group, an HTTP agent
 * abandons its call.
 */
public interface Agent {
    /** The kind named in configuration, e.g. "command", "llm", "echo". */
    String kind();

    AgentOutcome run(AgentRequest request, AgentContext context) throws InterruptedException;

    /**
     * How long a run of this kind may take to stop once interrupted: the worker keeps the
     * execution's lease that long, so that no one else starts the task while this run's work
     * (a process group being killed) is still going on.
     */
    default Duration stopWithin() {
        return Duration.ZERO;
    }

    /**
     * How long an interrupted run is let stop by itself before it is forced (a command agent's
     * {@code kill_grace}): it must end before a lost lease can be taken over.
     */
    default Duration stopGrace() {
        return Duration.ZERO;
    }

    /** Whether this kind works on code: then it runs in the task's own git worktree, when the project has one. */
    default boolean worksInRepository() {
        return false;
    }

    /** Whether this instance can run the kind at all (configured here); others' work is left to them. */
    default boolean available() {
        return true;
    }
}
