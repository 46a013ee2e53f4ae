package aegis.jobs;

import aegis.db.Jdbc;
import aegis.config.Settings;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.Date;
import java.util.Map;
import java.util.Properties;
import java.util.TimeZone;
import java.util.UUID;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobKey;
import org.quartz.ObjectAlreadyExistsException;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.SimpleTrigger;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.SchedulerRepository;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Quartz in its clustered JDBC store, on the application's own pool: every {@link PeriodicTask}
 * bean becomes one durable job with one trigger, and each trigger fires on one node of the
 * cluster per period. Triggers are stored only when absent — replacing them at every start
 * would make every starting node fire them — and are rescheduled only when the configured
 * schedule differs from the stored one.
 */
@Singleton
@Requires(property = "aegis.jobs.enabled", notEquals = "false")
public final class ClusteredScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(ClusteredScheduler.class);
    /** Quartz's SCHED_NAME: the same on every node, which is what makes them one cluster. */
    public static final String CLUSTER_NAME = "aegis";
    public static final String GROUP = "aegis";

    private final Jdbc jdbc;
    private final Settings settings;
    private final PeriodicTaskRunner runner;
    private final java.time.Duration stopWait;
    private Scheduler scheduler;
    /** Set by {@link #stop()}: a start still on its way must not begin a scheduler nobody stops. */
    private boolean stopped;

    public ClusteredScheduler(Jdbc jdbc, Settings settings, PeriodicTaskRunner runner) {
        this.jdbc = jdbc;
        this.settings = settings;
        this.runner = runner;
        this.stopWait = java.time.Duration.ofSeconds(settings.integer("AEGIS_JOBS_STOP_WAIT_SECONDS", 10, 0, 300));
    }

    private final java.util.concurrent.ScheduledExecutorService retry =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "aegis-jobs-start");
                t.setDaemon(true);
                return t;
            });

    /**
     * Starts on a thread of its own: storing and checking the triggers and the cluster's first
     * check-in are a tenth of a second of database work that nothing before {@code /health} waits
     * for (a scheduler that cannot start yet retries the same way).
     */
    @EventListener
    void onStartup(StartupEvent event) {
        retry.execute(this::tryStart);
    }

    /** Starts, or tries again in 30 s: a database that is away at start must not keep jobs off for good. */
    private void tryStart() {
        try {
            start();
        } catch (SchedulerException | RuntimeException e) {
            LOG.warn("event=scheduler_start_failed retry_in_s=30 error={}", e.getClass().getSimpleName(), e);
            if (!retry.isShutdown()) {
                retry.schedule(this::tryStart, 30, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    /** True once the scheduler has started (it starts in the background) and until it stops. */
    public synchronized boolean running() {
        return scheduler != null;
    }

    public synchronized void start() throws SchedulerException {
        if (scheduler != null || stopped) {
            return;
        }
        Map<String, Schedule> schedules = new java.util.LinkedHashMap<>();
        runner.tasks().forEach((name, task) -> schedules.put(name, Schedule.forTask(settings, task)));
        int threads = settings.integer("AEGIS_JOBS_THREADS", 4, 1, 64);

        // Quartz finds its connections by name in a JVM-wide registry: one name per scheduler.
        String dataSourceName = "aegis-" + UUID.randomUUID();
        DBConnectionManager.getInstance().addConnectionProvider(dataSourceName,
                new QuartzConnections(jdbc.dataSource()));
        Scheduler s;
        SchedulerRepository repository = SchedulerRepository.getInstance();
        synchronized (repository) {
            s = new StdSchedulerFactory(properties(dataSourceName, threads)).getScheduler();
            // Quartz keeps one scheduler per name per JVM; nodes of one cluster share the name,
            // and tests run two nodes in one JVM, so this one is not left in that registry.
            repository.remove(CLUSTER_NAME);
        }
        try {
            s.setJobFactory((bundle, sched) -> new PeriodicTaskJob(runner));
            for (Map.Entry<String, Schedule> e : schedules.entrySet()) {
                ensureScheduled(s, e.getKey(), e.getValue());
            }
            s.start();
        } catch (SchedulerException | RuntimeException e) {
            s.shutdown(false);
            throw e;
        }
        scheduler = s;
        LOG.info("event=scheduler_started instance={} tasks={} threads={}",
                s.getSchedulerInstanceId(), schedules, threads);
    }

    private static Properties properties(String dataSourceName, int threads) {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", CLUSTER_NAME);
        p.setProperty("org.quartz.scheduler.instanceId", "AUTO");
        p.setProperty("org.quartz.scheduler.instanceIdGenerator.class", NodeInstanceId.class.getName());
        p.setProperty("org.quartz.scheduler.makeSchedulerThreadDaemon", "true");
        p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(threads));
        p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass",
                "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", dataSourceName);
        // Unqualified names: the tables live in the connection's schema (V50 migration).
        p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        p.setProperty("org.quartz.jobStore.isClustered", "true");
        p.setProperty("org.quartz.jobStore.clusterCheckinInterval", "5000");
        p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        p.setProperty("org.quartz.jobStore.misfireThreshold", "60000");
        return p;
    }

    private static void ensureScheduled(Scheduler s, String name, Schedule schedule) throws SchedulerException {
        JobKey job = new JobKey(name, GROUP);
        TriggerKey key = new TriggerKey(name, GROUP);
        if (!s.checkExists(job)) {
            try {
                s.addJob(JobBuilder.newJob(PeriodicTaskJob.class).withIdentity(job)
                        .withDescription("periodic task " + name).storeDurably().build(), false);
            } catch (ObjectAlreadyExistsException raced) {
                // another node stored it first: same job
            }
        }
        Trigger stored = s.getTrigger(key);
        if (stored == null) {
            try {
                s.scheduleJob(trigger(key, job, schedule));
                LOG.info("event=job_scheduled task={} schedule={}", name, schedule);
            } catch (ObjectAlreadyExistsException raced) {
                LOG.debug("event=job_already_scheduled task={}", name);
            }
        } else if (!matches(stored, schedule)) {
            s.rescheduleJob(key, trigger(key, job, schedule));
            LOG.info("event=job_rescheduled task={} schedule={}", name, schedule);
        }
    }

    static boolean matches(Trigger stored, Schedule schedule) {
        if (schedule instanceof Schedule.Every every && stored instanceof SimpleTrigger simple) {
            return simple.getRepeatInterval() == every.period().toMillis()
                    && simple.getRepeatCount() == SimpleTrigger.REPEAT_INDEFINITELY;
        }
        if (schedule instanceof Schedule.Cron cron && stored instanceof CronTrigger ct) {
            return ct.getCronExpression().equals(cron.expression());
        }
        return false;
    }

    /**
     * The trigger for a schedule. After downtime a missed period runs once, now, and the
     * period continues from there: never a burst of the missed runs.
     */
    static Trigger trigger(TriggerKey key, JobKey job, Schedule schedule) {
        TriggerBuilder<Trigger> b = TriggerBuilder.newTrigger().withIdentity(key).forJob(job);
        if (schedule instanceof Schedule.Every every) {
            long ms = every.period().toMillis();
            // The first run comes one period after the trigger is stored, at most a minute.
            return b.startAt(new Date(System.currentTimeMillis() + Math.min(ms, 60_000)))
                    .withSchedule(SimpleScheduleBuilder.simpleSchedule()
                            .withIntervalInMilliseconds(ms).repeatForever()
                            .withMisfireHandlingInstructionNowWithExistingCount())
                    .build();
        }
        Schedule.Cron cron = (Schedule.Cron) schedule;
        return b.startNow().withSchedule(CronScheduleBuilder.cronSchedule(cron.expression())
                        .inTimeZone(TimeZone.getTimeZone("UTC"))
                        .withMisfireHandlingInstructionFireAndProceed())
                .build();
    }

    /** Stops firing and gives running tasks a bounded time to finish (the graceful drain). */
    @PreDestroy
    public synchronized void stop() {
        stopped = true;
        retry.shutdownNow();
        if (scheduler == null) {
            return;
        }
        try {
            // Stop firing, ask running tasks to return, then wait a bounded time: waiting for
            // them all (shutdown(true)) could outlast systemd's stop timeout under rate limits.
            scheduler.standby();
            runner.tasks().values().forEach(t -> {
                try {
                    t.stop();
                } catch (RuntimeException e) {
                    LOG.warn("event=task_stop_failed task={} error={}", t.name(), e.getClass().getSimpleName());
                }
            });
            long end = System.nanoTime() + stopWait.toNanos();
            int running = scheduler.getCurrentlyExecutingJobs().size();
            while (running > 0 && System.nanoTime() < end) {
                Thread.sleep(50);
                running = scheduler.getCurrentlyExecutingJobs().size();
            }
            scheduler.shutdown(false);
            if (running > 0) {
                LOG.warn("event=scheduler_stopped_with_running_jobs running={} waited_ms={}", running,
                        stopWait.toMillis());
            }
            LOG.info("event=scheduler_stopped");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            try {
                scheduler.shutdown(false);
            } catch (SchedulerException e2) {
                LOG.warn("event=scheduler_stop_failed error={}", e2.getMessage());
            }
        } catch (SchedulerException e) {
            LOG.warn("event=scheduler_stop_failed error={}", e.getMessage());
        } finally {
            scheduler = null;
        }
    }
}
