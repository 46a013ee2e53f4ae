package aegis.asana;

import java.time.Duration;

/**
 * What a caller of {@link HttpTransport} hears about each attempt of one call, for its metrics,
 * logs and events. {@code held} is how long the Retry-After gate and the rate limiter held the
 * attempt before it was sent.
 */
public interface AttemptListener {
    AttemptListener NONE = new AttemptListener() {
    };

    /** Attempt {@code attempt} (from 1) begins, before any wait for the gate or the limiter. */
    default void starting(int attempt) {
    }

    /** An answer arrived, whatever its status. */
    default void answered(int attempt, Duration held, HttpTransport.Response response) {
    }

    /** No answer: an I/O failure or a timeout. */
    default void noAnswer(int attempt, Duration held, Throwable cause) {
    }

    /** The rate limiter gave no permit in time; nothing was sent. */
    default void throttled(Duration held) {
    }

    /**
     * The transport means to wait {@code wait} and try again after attempt {@code attempt}, which
     * got {@code status} (0: no answer). False gives up now with what that attempt got.
     */
    default boolean retrying(int attempt, Duration wait, int status) {
        return true;
    }
}
