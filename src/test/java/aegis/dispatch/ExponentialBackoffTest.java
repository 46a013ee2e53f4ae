package aegis.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ExponentialBackoffTest {
    private final ExponentialBackoff policy = new ExponentialBackoff(Duration.ofSeconds(30), Duration.ofMinutes(5));
    private final Instant now = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void transientFailuresRetryWithDoublingDelays() {
        assertThat(policy.afterFailure(1, 3, true, now)).isEqualTo(new RetryPolicy.Decision.RetryAt(now.plusSeconds(30)));
        assertThat(policy.afterFailure(2, 3, true, now)).isEqualTo(new RetryPolicy.Decision.RetryAt(now.plusSeconds(60)));
    }

    @Test
    void theDelayIsCapped() {
        assertThat(policy.delay(4)).isEqualTo(Duration.ofSeconds(240));
        assertThat(policy.delay(5)).isEqualTo(Duration.ofMinutes(5));
        assertThat(policy.delay(60)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void givesUpAtTheMaximumAttempts() {
        assertThat(policy.afterFailure(3, 3, true, now)).isInstanceOf(RetryPolicy.Decision.GiveUp.class);
        assertThat(policy.afterFailure(7, 3, true, now)).isInstanceOf(RetryPolicy.Decision.GiveUp.class);
    }

    @Test
    void permanentFailuresNeverRetry() {
        assertThat(policy.afterFailure(1, 3, false, now)).isInstanceOf(RetryPolicy.Decision.GiveUp.class);
    }
}
