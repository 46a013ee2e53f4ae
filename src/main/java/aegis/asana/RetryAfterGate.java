package aegis.asana;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The moment before which no caller may send to Asana. A 429's Retry-After moves it forward
 * for every thread, not just the one that was told to wait, so a storm is not hammered on.
 */
public final class RetryAfterGate {
    private final AtomicLong notBeforeNanos = new AtomicLong(System.nanoTime());

    /** Nobody sends before {@code wait} from now (or a later moment already set). */
    public void closeFor(Duration wait) {
        long until = System.nanoTime() + wait.toNanos();
        notBeforeNanos.accumulateAndGet(until, (a, b) -> a - b > 0 ? a : b);
    }

    /** Blocks until the gate is open. */
    public void awaitOpen() throws InterruptedException {
        while (true) {
            long remaining = notBeforeNanos.get() - System.nanoTime();
            if (remaining <= 0) {
                return;
            }
            Thread.sleep(remaining / 1_000_000, (int) (remaining % 1_000_000));
        }
    }

    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, notBeforeNanos.get() - System.nanoTime()));
    }
}
