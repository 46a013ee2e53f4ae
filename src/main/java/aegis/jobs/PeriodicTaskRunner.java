package aegis.jobs;

import aegis.metrics.Metrics;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every {@link PeriodicTask} bean by name, and one run of one of them, logged and counted. */
@Singleton
public final class PeriodicTaskRunner {
    private static final Logger LOG = LoggerFactory.getLogger(PeriodicTaskRunner.class);

    private final Map<String, PeriodicTask> byName;
    private final Metrics metrics;

    public PeriodicTaskRunner(List<PeriodicTask> tasks, Metrics metrics) {
        Map<String, PeriodicTask> m = new LinkedHashMap<>();
        for (PeriodicTask t : tasks) {
            PeriodicTask other = m.put(t.name(), t);
            if (other != null) {
                throw new IllegalStateException("two periodic tasks are named '" + t.name() + "': "
                        + other.getClass().getName() + " and " + t.getClass().getName());
            }
        }
        this.byName = Map.copyOf(m);
        this.metrics = metrics;
    }

    public Map<String, PeriodicTask> tasks() {
        return byName;
    }

    /** Runs the named task once; false when it failed (the failure is logged, not thrown). */
    public boolean run(String name) {
        PeriodicTask task = byName.get(name);
        if (task == null) {
            // A trigger stored by a node that has this task while this one does not (e.g. mid-upgrade).
            LOG.warn("event=job_unknown task={}", name);
            return false;
        }
        long start = System.nanoTime();
        try {
            task.run();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            metrics.jobRun(name, "ok", took);
            LOG.debug("event=job_done task={} ms={}", name, took.toMillis());
            return true;
        } catch (Exception | LinkageError e) {
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            metrics.jobRun(name, "failed", took);
            LOG.warn("event=job_failed task={} ms={} error={}", name, took.toMillis(),
                    e.getClass().getSimpleName(), e);
            return false;
        }
    }
}
