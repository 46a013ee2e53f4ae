package aegis.asana;

import aegis.config.AegisConfig;
import java.net.URI;
import java.time.Duration;

/**
 * How the client talks to Asana. {@code requestsPerMinute} requests per {@code rateWindow}
 * (a minute, shortened only by tests); attempts and backoff bound the retries.
 */
public record AsanaClientSettings(
        URI baseUrl,
        String token,
        int requestsPerMinute,
        Duration rateWindow,
        Duration connectTimeout,
        Duration readTimeout,
        int maxAttempts,
        int max429Attempts,
        Duration backoffBase,
        Duration backoffMax,
        int readConcurrency,
        int writeConcurrency) {

    public static AsanaClientSettings from(AegisConfig.Asana a) {
        return defaults(a.baseUrl(), a.accessToken(), a.requestsPerMinute());
    }

    public static AsanaClientSettings defaults(URI baseUrl, String token, int requestsPerMinute) {
        return new AsanaClientSettings(baseUrl, token, requestsPerMinute, Duration.ofMinutes(1),
                Duration.ofSeconds(5), Duration.ofSeconds(30), 5, 10,
                Duration.ofMillis(200), Duration.ofSeconds(8), 50, 15);
    }

    /** The same client settings for another Asana user's token. */
    public AsanaClientSettings withToken(String otherToken) {
        return new AsanaClientSettings(baseUrl, otherToken, requestsPerMinute, rateWindow, connectTimeout, readTimeout,
                maxAttempts, max429Attempts, backoffBase, backoffMax, readConcurrency, writeConcurrency);
    }

    public AsanaClientSettings withRate(int requests, Duration window) {
        return new AsanaClientSettings(baseUrl, token, requests, window, connectTimeout, readTimeout,
                maxAttempts, max429Attempts, backoffBase, backoffMax, readConcurrency, writeConcurrency);
    }

    public AsanaClientSettings withRetries(int maxAttempts, int max429Attempts, Duration base, Duration max) {
        return new AsanaClientSettings(baseUrl, token, requestsPerMinute, rateWindow, connectTimeout,
                readTimeout, maxAttempts, max429Attempts, base, max, readConcurrency, writeConcurrency);
    }

    /**
     * Up to {@code maxAttempts} attempts that got a 5xx or no answer and {@code max429Attempts}
     * that got a 429; a 429 without Retry-After waits 5 s, and none waits over 10 minutes.
     */
    public TransportPolicy transportPolicy() {
        return new TransportPolicy(maxAttempts + max429Attempts, maxAttempts, max429Attempts, backoffBase,
                backoffMax, Duration.ofSeconds(5), Duration.ofMinutes(10), connectTimeout, readTimeout);
    }

    @Override
    public String toString() {
        return "AsanaClientSettings[baseUrl=" + baseUrl + ", requestsPerMinute=" + requestsPerMinute
                + ", rateWindow=" + rateWindow + "]";
    }
}
