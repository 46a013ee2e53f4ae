package aegis.asana;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import java.time.Duration;

/**
 * The limits that every call of a transport shares: a rate limiter, read and write bulkheads,
 * a circuit breaker, and the Retry-After gate. Plain resilience4j objects, built once per
 * service; a null part is a limit that service does not have.
 */
public record TransportLimits(RateLimiter rateLimiter, Bulkhead reads, Bulkhead writes,
                              CircuitBreaker circuitBreaker, RetryAfterGate gate) {

    /** No shared limit: each call waits out its own Retry-After. */
    public static TransportLimits none() {
        return new TransportLimits(null, null, null, null, null);
    }

    /** Asana's: its rate, its concurrency for reads and writes, one breaker and one gate. */
    public static TransportLimits of(AsanaClientSettings s) {
        return new TransportLimits(rateLimiter(s.requestsPerMinute(), s.rateWindow()),
                bulkhead("asana-reads", s.readConcurrency()),
                bulkhead("asana-writes", s.writeConcurrency()),
                circuitBreaker("asana"), new RetryAfterGate());
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

    /**
     * Opens when half of the last 20 calls ended with a 5xx or no answer; any other answer (a
     * 4xx, a 429) is the service working, and a call stopped on our side never counts.
     */
    static CircuitBreaker circuitBreaker(String name) {
        return CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(20)
                .minimumNumberOfCalls(20)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(15))
                .permittedNumberOfCallsInHalfOpenState(3)
                .recordException(e -> e instanceof TransportException.NoAnswer)
                .recordResult(r -> r instanceof HttpTransport.Response res && res.status() >= 500)
                .build());
    }
}
