package aegis.asana;

import io.micronaut.http.client.DefaultHttpClientConfiguration;
import io.micronaut.http.client.HttpClientConfiguration;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How one {@link HttpTransport} retries and how long it waits. A call makes at most
 * {@code maxAttempts} attempts, of which at most {@code maxFailures} got a 5xx or no answer and
 * at most {@code max429s} a 429. Between attempts it waits as {@link #waitAfter} says.
 *
 * @param connectTimeout to open a connection
 * @param readTimeout    for the whole answer to one attempt
 */
public record TransportPolicy(int maxAttempts, int maxFailures, int max429s, Duration backoffBase,
                              Duration backoffMax, Duration retryAfterDefault, Duration retryAfterMax,
                              Duration connectTimeout, Duration readTimeout) {

    public TransportPolicy {
        if (maxAttempts < 1 || maxFailures < 1 || max429s < 1) {
            throw new IllegalArgumentException("a call makes at least one attempt");
        }
    }

    /** Exponential from the base, capped, with jitter so that many callers do not retry together. */
    public Duration backoff(int attempt) {
        long base = backoffBase.toMillis() << Math.min(attempt - 1, 16);
        long capped = Math.min(base, backoffMax.toMillis());
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    /**
     * How long to wait after attempt {@code attempt} got {@code status} (0: no answer) with this
     * Retry-After header (null when none): what the header asks, up to {@code retryAfterMax};
     * without one, {@code retryAfterDefault} for a 429 where set, else the backoff.
     */
    public Duration waitAfter(int status, String retryAfter, int attempt) {
        Duration asked = parseRetryAfter(retryAfter, Instant.now());
        if (asked != null) {
            return asked.compareTo(retryAfterMax) > 0 ? retryAfterMax : asked;
        }
        return status == 429 && retryAfterDefault != null ? retryAfterDefault : backoff(attempt);
    }

    /** Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable. */
    static Duration parseRetryAfter(String header, Instant now) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String v = header.trim();
        try {
            return nonNegative(Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000)));
        } catch (NumberFormatException e) {
            try {
                return nonNegative(Duration.between(now,
                        ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()));
            } catch (RuntimeException unreadable) {
                return null;
            }
        }
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** The HTTP client settings this policy's timeouts ask for. */
    public HttpClientConfiguration clientConfiguration() {
        DefaultHttpClientConfiguration conf = new DefaultHttpClientConfiguration();
        conf.setConnectTimeout(connectTimeout);
        conf.setReadTimeout(readTimeout);
        // An API that redirects is misconfigured; following would resend credentials elsewhere.
        conf.setFollowRedirects(false);
        conf.setMaxContentLength(64 * 1024 * 1024);
        return conf;
    }
}
