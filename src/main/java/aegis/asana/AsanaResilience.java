package aegis.asana;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;

/**
 * The limits every Asana call shares: one rate limiter, read and write bulkheads, a circuit
 * breaker, and the Retry-After gate. Plain resilience4j objects, built once per daemon.
 */
public record AsanaResilience(RateLimiter rateLimiter, Bulkhead reads, Bulkhead writes,
                              CircuitBreaker circuitBreaker, RetryAfterGate gate) {

    public static AsanaResilience of(AsanaClientSettings s) {
        return new AsanaResilience(rateLimiter(s.requestsPerMinute(), s.rateWindow()),
                bulkhead("asana-reads", s.readConcurrency()),
                bulkhead("asana-writes", s.writeConcurrency()),
                newCircuitBreaker(), new RetryAfterGate());
    }

    /**
     * One permit per slot of {@code (window + slack) / requests}: permits never pile up into a
     * burst, and the slack (half a second, or 1 % of the window if more) absorbs the jitter
     * between taking a permit and reaching Asana, so no sliding window of that length sees
     * more than {@code requests} arrivals. For 1,500 a minute that is 1,485 a minute.
     */
    static RateLimiter rateLimiter(int requests, Duration window) {
        long slack = Math.max(Duration.ofMillis(500).toNanos(), window.toNanos() / 100);
        long slotNanos = (long) Math.ceil((window.toNanos() + (double) slack) / requests);
        return RateLimiter.of("asana", RateLimiterConfig.custom()
                .limitForPeriod(1)
                .limitRefreshPeriod(Duration.ofNanos(Math.max(slotNanos, 1_000)))
                .timeoutDuration(Duration.ofMinutes(5))
                .build());
    }

    private static Bulkhead bulkhead(String name, int concurrency) {
        return Bulkhead.of(name, BulkheadConfig.custom()
                .maxConcurrentCalls(concurrency)
                .maxWaitDuration(Duration.ofMinutes(2))
                .build());
    }

    /** Opens when half of the last 20 calls failed with a 5xx or no answer; 4xx never counts. */
    private static CircuitBreaker newCircuitBreaker() {
        return CircuitBreaker.of("asana", CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(20)
                .minimumNumberOfCalls(20)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(15))
                .permittedNumberOfCallsInHalfOpenState(3)
                .recordException(e -> e instanceof AsanaException.ServerError
                        || e instanceof AsanaException.Unavailable)
                .build());
    }
}
