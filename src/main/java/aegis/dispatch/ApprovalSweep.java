package aegis.dispatch;

import aegis.jobs.PeriodicTask;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Optional;

/**
 * Decides waiting approvals from the database alone: a comment whose signal was lost (a restart,
 * another instance's sync) still decides, and a wait past its timeout expires.
 */
@Singleton
public class ApprovalSweep implements PeriodicTask {
    private final ApprovalDecisions decisions;

    public ApprovalSweep(ApprovalDecisions decisions) {
        this.decisions = decisions;
    }

    @Override
    public String name() {
        return "approval-sweep";
    }

    @Override
    public Duration defaultPeriod() {
        return Duration.ofSeconds(60);
    }

    @Override
    public void run() {
        decisions.decide(Optional.empty());
    }
}
