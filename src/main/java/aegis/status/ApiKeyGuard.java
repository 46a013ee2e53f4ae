package aegis.status;

import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import jakarta.inject.Singleton;

/** Whether a request to a protected endpoint may proceed: yes while no active key exists, else only with one. */
@Singleton
public final class ApiKeyGuard {
    private final ApiKeys keys;

    public ApiKeyGuard(ApiKeys keys) {
        this.keys = keys;
    }

    public boolean allows(HttpRequest<?> request) {
        if (!keys.anyActive()) {
            return true;
        }
        String auth = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return keys.verify(auth.substring(7).trim()).isPresent();
    }
}
