package aegis.asana;

import java.time.Duration;

/**
 * A call that ended without an HTTP answer to give back, typed by why. Any answer, error
 * statuses included, is an {@link HttpTransport.Response}; these are the cases with none.
 */
public abstract sealed class TransportException extends RuntimeException {

    protected TransportException(String message, Throwable cause) {
        super(message, cause);
    }

    /** I/O failure or timeout on the last attempt allowed. */
    public static final class NoAnswer extends TransportException {
        public NoAnswer(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Not sent: the circuit breaker is open after repeated failures. */
    public static final class CircuitOpen extends TransportException {
        public CircuitOpen(String message) {
            super(message, null);
        }
    }

    /** Not sent: too many calls already in flight, and none ended within the bulkhead's wait. */
    public static final class Saturated extends TransportException {
        public Saturated(String message) {
            super(message, null);
        }
    }

    /** Not sent: the client-side rate limiter gave no permit in time; {@code retryAfter} is a hint. */
    public static final class Throttled extends TransportException {
        private final Duration retryAfter;

        public Throttled(String message, Duration retryAfter) {
            super(message, null);
            this.retryAfter = retryAfter;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }
}
