package aegis.status;

import aegis.config.ContextFactory;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.Map;

/**
 * {@code GET /executions} (a page of the history, newest first, {@code next_cursor} for the next)
 * and {@code GET /executions/{id}} (one run in full), JSON on the admin listener. A parameter that
 * makes no sense is a 400 whose {@code error} says which and why.
 */
@Controller(value = "/executions", port = "${" + ContextFactory.ADMIN_PORT_PROPERTY + "}")
public class ExecutionsController {
    private final ExecutionHistory history;

    public ExecutionsController(ExecutionHistory history) {
        this.history = history;
    }

    @Get(produces = MediaType.APPLICATION_JSON)
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<?> list(@QueryValue @Nullable String status, @QueryValue @Nullable String task,
                                @QueryValue @Nullable String since, @QueryValue @Nullable String limit,
                                @QueryValue @Nullable String cursor) {
        ExecutionFilter filter;
        try {
            filter = ExecutionFilter.parse(status, task, since, limit, cursor);
        } catch (IllegalArgumentException e) {
            return HttpResponse.badRequest(Map.of("error", e.getMessage()));
        }
        return HttpResponse.ok(history.list(filter));
    }

    @Get(value = "/{id}", produces = MediaType.APPLICATION_JSON)
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<?> show(@PathVariable String id) {
        if (!id.matches("\\d{1,18}")) {
            return HttpResponse.badRequest(Map.of("error", "an execution id is a number; got '" + id + "'"));
        }
        return history.find(Long.parseLong(id)).<HttpResponse<?>>map(HttpResponse::ok)
                .orElseGet(() -> HttpResponse.notFound(Map.of("error", "no execution " + id + ", live or archived")));
    }
}
