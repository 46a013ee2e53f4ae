package aegis.dispatch;

import java.time.Instant;

/** What happens after a failed attempt: another attempt later, or none. */
public interface RetryPolicy {
    Decision afterFailure(int attempt, int maxAttempts, boolean transientFailure, Instant now);

    sealed interface Decision {
        record RetryAt(Instant at) implements Decision {
        }

        record GiveUp() implements Decision {
        }
    }
}
