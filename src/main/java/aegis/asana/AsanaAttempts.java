package aegis.asana;

import aegis.metrics.Metrics;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One Asana call's attempts, counted in {@link Metrics} by method and outcome with their waits, and logged. */
record AsanaAttempts(Metrics metrics, HttpTransport.Request request) implements AttemptListener {
    private static final Logger LOG = LoggerFactory.getLogger(HttpAsanaClient.class);

    @Override
    public void answered(int attempt, Duration held, HttpTransport.Response response) {
        metrics.asanaRateLimitWait(held);
        metrics.asanaRequest(method(), outcome(response.status()));
        if (response.status() == 429) {
            LOG.info("event=asana_rate_limited call=\"{}\" retry_after_ms={} attempt={}", request.describe(),
                    response.retryAfter().toMillis(), attempt);
        }
    }

    @Override
    public void noAnswer(int attempt, Duration held, Throwable cause) {
        metrics.asanaRateLimitWait(held);
        metrics.asanaRequest(method(), "network");
    }

    @Override
    public void throttled(Duration held) {
        metrics.asanaRateLimitWait(held);
        metrics.asanaRequest(method(), "rate_limited");
    }

    @Override
    public boolean retrying(int attempt, Duration wait, int status) {
        if (status != 429) {
            LOG.info("event=asana_retry call=\"{}\" status={} wait_ms={} attempt={}", request.describe(),
                    status == 0 ? "io" : status, wait.toMillis(), attempt);
        }
        return true;
    }

    private String method() {
        return request.method().name();
    }

    private static String outcome(int status) {
        if (status >= 200 && status < 300) {
            return "ok";
        }
        if (status == 429) {
            return "rate_limited";
        }
        return status >= 500 ? "server_error" : "client_error";
    }
}
