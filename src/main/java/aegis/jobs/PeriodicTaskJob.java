package aegis.jobs;

import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobExecutionContext;

/**
 * The one Quartz job class: runs the {@link PeriodicTask} named by its job key. Thin on
 * purpose; a failed run is logged and counted, and the next period tries again.
 * Non-concurrent per job key, so a slow run is never overlapped by the next one.
 */
@DisallowConcurrentExecution
final class PeriodicTaskJob implements Job {
    private final PeriodicTaskRunner runner;

    PeriodicTaskJob(PeriodicTaskRunner runner) {
        this.runner = runner;
    }

    @Override
    public void execute(JobExecutionContext context) {
        runner.run(context.getJobDetail().getKey().getName());
    }
}
