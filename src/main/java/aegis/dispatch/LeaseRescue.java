package aegis.dispatch;

import aegis.jobs.PeriodicTask;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rescues executions whose worker died (lease expired): see
 * {@link ExecutionStore#rescueExpired}. Safe to run anywhere at any time (SKIP LOCKED), so
 * each instance also runs it in process between claims, as db-scheduler does with its
 * dead-execution detection.
 */
@Singleton
public class LeaseRescue implements PeriodicTask {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseRescue.class);

    private final ExecutionStore store;
    private final AgentRows rows;
    private final RetryPolicy retry;
    private final DispatchSettings settings;

    public LeaseRescue(ExecutionStore store, AgentRows rows, RetryPolicy retry, DispatchSettings settings) {
        this.store = store;
        this.rows = rows;
        this.retry = retry;
        this.settings = settings;
    }

    @Override
    public String name() {
        return "dispatch-lease-rescue";
    }

    @Override
    public Duration defaultPeriod() {
        return Duration.ofSeconds(30);
    }

    @Override
    public void run() {
        rescue();
    }

    public List<ExecutionStore.Rescued> rescue() {
        List<ExecutionStore.Rescued> rescued = store.rescueExpired(retry, 200);
        for (ExecutionStore.Rescued r : rescued) {
            LOG.warn("event=lease_rescued execution={} owner={} attempt={} becomes={}", r.id(), r.owner(),
                    r.attempt(), r.becomes());
        }
        List<String> owners = rescued.stream().map(r -> Execution.instanceOf(r.owner()))
                .filter(o -> o != null && !o.equals(settings.instanceId())).distinct().toList();
        rows.stopOwnersOf(owners);
        return rescued;
    }
}
