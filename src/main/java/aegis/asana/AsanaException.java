package aegis.asana;

import java.time.Duration;

/** A failed Asana call, typed by what the caller can do about it. Messages never carry the token. */
public abstract sealed class AsanaException extends RuntimeException {
    private final int status;

    protected AsanaException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** HTTP status, or 0 when no response arrived. */
    public int status() {
        return status;
    }

    /** Asana refuses this request as such (400, 402, 403, 404): asking again changes nothing. */
    public boolean refusedForGood() {
        return this instanceof BadRequest || this instanceof PaymentRequired || this instanceof Forbidden
                || this instanceof NotFound;
    }

    /** 401: the token is wrong or revoked. */
    public static final class Unauthorized extends AsanaException {
        public Unauthorized(String message) {
            super(401, message, null);
        }
    }

    /** 400: Asana rejected the request as malformed. */
    public static final class BadRequest extends AsanaException {
        public BadRequest(String message) {
            super(400, message, null);
        }
    }

    /** 402: a premium-only endpoint on a free workspace. */
    public static final class PaymentRequired extends AsanaException {
        public PaymentRequired(String message) {
            super(402, message, null);
        }
    }

    /** 403: the bot may not see or change this resource. */
    public static final class Forbidden extends AsanaException {
        public Forbidden(String message) {
            super(403, message, null);
        }
    }

    /** 404: the resource does not exist (deleted, or never did). */
    public static final class NotFound extends AsanaException {
        public NotFound(String message) {
            super(404, message, null);
        }
    }

    /** 412 on /events: the sync token is missing or expired; here is a fresh one. */
    public static final class InvalidSyncToken extends AsanaException {
        private final String freshToken;

        public InvalidSyncToken(String message, String freshToken) {
            super(412, message, null);
            this.freshToken = freshToken;
        }

        public String freshToken() {
            return freshToken;
        }
    }

    /** 429 after the retries allowed; {@code retryAfter} is what Asana asked for. */
    public static final class RateLimited extends AsanaException {
        private final Duration retryAfter;

        public RateLimited(String message, Duration retryAfter) {
            super(429, message, null);
            this.retryAfter = retryAfter;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }

    /** 5xx after the retries allowed (or at once for a call that may not be retried). */
    public static final class ServerError extends AsanaException {
        public ServerError(int status, String message) {
            super(status, message, null);
        }
    }

    /** No answer: I/O failure or timeout, too many calls in flight, or interrupted. */
    public static final class Unavailable extends AsanaException {
        public Unavailable(String message, Throwable cause) {
            super(0, message, cause);
        }
    }

    /** Not sent: the circuit breaker is open after repeated failures; retrying now is pointless. */
    public static final class CircuitOpen extends AsanaException {
        public CircuitOpen(String message, Throwable cause) {
            super(0, message, cause);
        }
    }
}
