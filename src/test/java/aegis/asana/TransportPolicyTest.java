package aegis.asana;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The waits between attempts: Retry-After in both of its forms, its cap and default, the backoff. */
class TransportPolicyTest {
    private static final Instant NOW = Instant.parse("2024-03-01T12:00:00Z");

    static TransportPolicy policy(Duration retryAfterDefault) {
        return new TransportPolicy(5, 5, 5, Duration.ofMillis(100), Duration.ofSeconds(1), retryAfterDefault,
                Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    @Test
    void retryAfterIsReadAsSecondsOrAsAnHttpDate() {
        assertThat(TransportPolicy.parseRetryAfter("2", NOW)).isEqualTo(Duration.ofSeconds(2));
        assertThat(TransportPolicy.parseRetryAfter(" 0.5 ", NOW)).isEqualTo(Duration.ofMillis(500));
        assertThat(TransportPolicy.parseRetryAfter("Fri, 01 Mar 2024 12:00:30 GMT", NOW))
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(TransportPolicy.parseRetryAfter("Fri, 01 Mar 2024 11:59:00 GMT", NOW))
                .as("a moment already past: go now").isEqualTo(Duration.ZERO);
        assertThat(TransportPolicy.parseRetryAfter("-3", NOW)).isEqualTo(Duration.ZERO);
        assertThat(TransportPolicy.parseRetryAfter("soon", NOW)).isNull();
        assertThat(TransportPolicy.parseRetryAfter(null, NOW)).isNull();
    }

    @Test
    void aLongRetryAfterIsCappedAndAMissingOneFallsBackForA429Only() {
        TransportPolicy p = policy(Duration.ofSeconds(5));
        assertThat(p.waitAfter(429, "100000", 1)).isEqualTo(Duration.ofMinutes(5));
        assertThat(p.waitAfter(503, "7", 1)).as("a 503 may ask for a wait too").isEqualTo(Duration.ofSeconds(7));
        assertThat(p.waitAfter(429, null, 1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.waitAfter(429, "soon", 1)).isEqualTo(Duration.ofSeconds(5));
        assertThat(p.waitAfter(503, null, 1)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
        assertThat(policy(null).waitAfter(429, null, 2)).as("no default: the backoff")
                .isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
    }

    @Test
    void backoffGrowsFromTheBaseUpToTheCapWithJitter() {
        TransportPolicy p = policy(null);
        for (int i = 0; i < 50; i++) {
            assertThat(p.backoff(1)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
            assertThat(p.backoff(3)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
            assertThat(p.backoff(40)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
        }
    }
}
