package aegis.status;

import aegis.config.ContextFactory;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.FilterPatternStyle;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/**
 * Applies {@link AdminAccess} to every request on the admin listener, so an endpoint added there
 * is guarded without saying so. The webhook receiver and /health (public listener only) are
 * left out by pattern: their requests do not pay for the hop to a blocking thread.
 */
@ServerFilter(patternStyle = FilterPatternStyle.REGEX, value = "^(?!/webhooks/|/health$).*")
public final class AdminAccessFilter {
    private final AdminAccess access;
    private final int adminPort;

    public AdminAccessFilter(AdminAccess access, @Value("${" + ContextFactory.ADMIN_PORT_PROPERTY + "}") int adminPort) {
        this.access = access;
        this.adminPort = adminPort;
    }

    @RequestFilter
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Nullable
    public HttpResponse<?> guard(HttpRequest<?> request) {
        if (request.getServerAddress().getPort() != adminPort) {
            return null;
        }
        return switch (access.decide(request)) {
            case ALLOW -> null;
            case KEY_REQUIRED -> {
                // Basic first: a browser then asks for a user and password (the key, any user name).
                MutableHttpResponse<String> r = HttpResponse.<String>status(HttpStatus.UNAUTHORIZED)
                        .contentType(MediaType.TEXT_PLAIN_TYPE)
                        .body("An API key is required: Authorization: Bearer <key>, or HTTP Basic with the key "
                                + "as password\n");
                r.getHeaders().add(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"aegis\", charset=\"UTF-8\"");
                r.getHeaders().add(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"aegis\"");
                yield r;
            }
            case LOOPBACK_ONLY -> HttpResponse.status(HttpStatus.FORBIDDEN).contentType(MediaType.TEXT_PLAIN_TYPE)
                    .body("No API key exists yet, so only this machine is answered; "
                            + "create one with: aegis apikey create NAME\n");
        };
    }
}
