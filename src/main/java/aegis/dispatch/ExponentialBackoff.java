package aegis.dispatch;

import java.time.Duration;
import java.time.Instant;

/**
 * Transient failures retry after {@code base × 2^(attempt-1)}, capped at {@code max}, until
 * {@code maxAttempts} attempts have been made; permanent failures never retry. No jitter:
 * executions fail independently, so there is no herd to spread.
 */
public record ExponentialBackoff(Duration base, Duration max) implements RetryPolicy {

    @Override
    public Decision afterFailure(int attempt, int maxAttempts, boolean transientFailure, Instant now) {
        if (!transientFailure || attempt >= maxAttempts) {
            return new Decision.GiveUp();
        }
        return new Decision.RetryAt(now.plus(delay(attempt)));
    }

    public Duration delay(int attempt) {
        int shift = Math.max(0, Math.min(30, attempt - 1));
        long millis = base.toMillis() << shift;
        if (millis < 0 || millis > max.toMillis()) {
            return max;
        }
        return Duration.ofMillis(millis);
    }
}
