package aegis.jobs;

import java.time.Duration;

/**
 * A use case that runs on a schedule, once per period across the whole cluster. Packages
 * provide these as beans (events polling, reconciling sync, inbox retry, lease rescue,
 * archival, webhook health, system_state refresh); the jobs package schedules each one
 * in Quartz's clustered store. Implementations do the work and return; they hold no
 * scheduling logic of their own.
 */
public interface PeriodicTask {
    /** Stable name: the Quartz job key and the schedule's setting suffix. */
    String name();

    /** The period used when configuration names none. */
    Duration defaultPeriod();

    void run() throws Exception;

    /**
     * Asks a running {@link #run()} to return early: the daemon is stopping. Long tasks check
     * for it between units of work; the scheduler waits only a bounded time for them.
     */
    default void stop() {
    }
}
