package aegis.sync;

import aegis.jobs.PeriodicTask;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Optional;

/** The sync engine's other periodic work: the reconciling full sync and inbox retries. */
@Factory
class SyncJobs {

    /** Nightly by default: catches whatever webhooks and the events poll both missed. */
    @Singleton
    @Named("sync-reconcile")
    PeriodicTask reconcile(FullSync fullSync) {
        return new Task("sync-reconcile", Duration.ofHours(24), () -> fullSync.run(Optional.empty(), true),
                fullSync::stop);
    }

    /** Inbox rows whose retry came due, including those of instances without a running processor. */
    @Singleton
    @Named("sync-inbox-retry")
    PeriodicTask inboxRetry(InboxDrain drain) {
        return new Task("sync-inbox-retry", Duration.ofMinutes(1), drain::drain, () -> { });
    }

    private record Task(String name, Duration defaultPeriod, Runnable work, Runnable stopper)
            implements PeriodicTask {
        @Override
        public void run() {
            work.run();
        }

        @Override
        public void stop() {
            stopper.run();
        }
    }
}
