package aegis.status;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/**
 * {@code GET /status} (JSON, written by the context's mapper in the format {@link Status} declares)
 * and {@code GET /} (a small page): API key required once any exists.
 */
@Controller
public class StatusController {
    private final StatusReader reader;
    private final ApiKeyGuard guard;
    private final Instance instance;

    public StatusController(StatusReader reader, ApiKeyGuard guard, Instance instance) {
        this.reader = reader;
        this.guard = guard;
        this.instance = instance;
    }

    @Get(value = "/status", produces = MediaType.APPLICATION_JSON)
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<?> status(HttpRequest<?> request) {
        if (!guard.allows(request)) {
            return unauthorized(MediaType.APPLICATION_JSON_TYPE, "{\"error\":\"an API key is required: Authorization: Bearer <key>\"}");
        }
        return HttpResponse.ok(reader.read(instance)).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    @Get(value = "/", produces = MediaType.TEXT_HTML)
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<String> page(HttpRequest<?> request) {
        if (!guard.allows(request)) {
            return unauthorized(MediaType.TEXT_PLAIN_TYPE, "An API key is required: Authorization: Bearer <key>\n");
        }
        return HttpResponse.ok(StatusText.html(reader.read(instance))).contentType(MediaType.TEXT_HTML_TYPE);
    }

    static HttpResponse<String> unauthorized(MediaType type, String body) {
        return HttpResponse.<String>status(HttpStatus.UNAUTHORIZED)
                .header("WWW-Authenticate", "Bearer realm=\"aegis\"").contentType(type).body(body);
    }
}
