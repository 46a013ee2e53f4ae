package aegis.status;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import jakarta.inject.Singleton;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Who may use the admin listener. While no API key exists only this machine (a loopback client)
 * is answered: a fresh install whose admin port was published by mistake shows nothing. Once a
 * key exists, a request must carry one ({@code Authorization: Bearer KEY}, or HTTP Basic with the
 * key as password, for browsers) — except {@code /metrics} unless {@code AEGIS_METRICS_REQUIRE_KEY}.
 */
@Singleton
public final class AdminAccess {
    /** What to answer. */
    public enum Decision {
        ALLOW,
        /** 401: keys exist and none valid was presented. */
        KEY_REQUIRED,
        /** 403: no key exists yet and the client is not on this machine. */
        LOOPBACK_ONLY
    }

    private final ApiKeys keys;
    private final StatusSettings settings;

    public AdminAccess(ApiKeys keys, StatusSettings settings) {
        this.keys = keys;
        this.settings = settings;
    }

    public Decision decide(HttpRequest<?> request) {
        InetAddress remote = request.getRemoteAddress().getAddress();
        boolean keyOptional = "/metrics".equals(request.getPath()) && !settings.metricsRequireKey();
        return decide(keys::anyActive, remote, keyOptional,
                () -> presentedKey(request).flatMap(keys::verify).isPresent());
    }

    /**
     * The rule itself; {@code anyKey} and {@code keyValid} (database reads) are asked only when
     * the answer depends on them: a local Prometheus scrape asks nothing.
     */
    static Decision decide(BooleanSupplier anyKey, InetAddress remote, boolean keyOptional, KeyCheck keyValid) {
        boolean loopback = remote != null && remote.isLoopbackAddress();
        if (keyOptional && loopback) {
            return Decision.ALLOW;
        }
        if (!anyKey.getAsBoolean()) {
            return loopback ? Decision.ALLOW : Decision.LOOPBACK_ONLY;
        }
        return keyOptional || keyValid.valid() ? Decision.ALLOW : Decision.KEY_REQUIRED;
    }

    @FunctionalInterface
    interface KeyCheck {
        boolean valid();
    }

    static Optional<String> presentedKey(HttpRequest<?> request) {
        String auth = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (auth == null) {
            return Optional.empty();
        }
        if (auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(auth.substring(7).trim());
        }
        if (auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String pair = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = pair.indexOf(':');
                return colon < 0 ? Optional.empty() : Optional.of(pair.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
