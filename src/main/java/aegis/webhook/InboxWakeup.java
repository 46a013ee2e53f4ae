package aegis.webhook;

import jakarta.inject.Singleton;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * In-process nudge from the receiver to the inbox processor: a stored delivery wakes it at
 * once instead of at its next poll. Permits collapse, so a burst causes one wake-up.
 */
@Singleton
public final class InboxWakeup {
    private final Semaphore permit = new Semaphore(0);

    public void signal() {
        if (permit.availablePermits() == 0) {
            permit.release();
        }
    }

    /** Waits for a signal or the timeout; answers whether a signal came. */
    public boolean await(long timeoutMillis) throws InterruptedException {
        boolean got = permit.tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS);
        permit.drainPermits();
        return got;
    }
}
