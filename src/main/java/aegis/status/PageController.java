package aegis.status;

import aegis.config.ContextFactory;
import aegis.governance.Instance;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/**
 * The status page for browsers, on the admin listener: {@code /} (state, recent executions, the
 * 30-day chart, agents, webhooks; {@code ?cursor=} pages to older executions) and {@code /runs/{id}}
 * (one execution and its timeline). {@link AdminAccessFilter} decides who may read them.
 */
@Controller(port = "${" + ContextFactory.ADMIN_PORT_PROPERTY + "}")
public class PageController {
    static final int RECENT = 25;
    static final int CHART_DAYS = 30;

    private final StatusReader status;
    private final ExecutionHistory history;
    private final DailyTotals totals;
    private final Pages pages;
    private final Instance instance;

    public PageController(StatusReader status, ExecutionHistory history, DailyTotals totals, Pages pages,
                          Instance instance) {
        this.status = status;
        this.history = history;
        this.totals = totals;
        this.pages = pages;
        this.instance = instance;
    }

    @Get(value = "/", produces = MediaType.TEXT_HTML)
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<String> index(@QueryValue @Nullable String cursor) {
        ExecutionFilter filter;
        try {
            filter = ExecutionFilter.parse(null, null, null, String.valueOf(RECENT), cursor);
        } catch (IllegalArgumentException e) {
            return text(HttpStatus.BAD_REQUEST, e.getMessage());
        }
        return html(pages.index(status.read(instance), history.list(filter), totals.lastDays(CHART_DAYS),
                filter.before().isPresent()));
    }

    @Get(value = "/runs/{id}", produces = MediaType.TEXT_HTML)
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<String> execution(@PathVariable String id) {
        if (!id.matches("\\d{1,18}")) {
            return text(HttpStatus.BAD_REQUEST, "an execution id is a number; got '" + id + "'");
        }
        return history.find(Long.parseLong(id)).map(d -> html(pages.execution(d)))
                .orElseGet(() -> text(HttpStatus.NOT_FOUND, "no execution " + id + ", live or archived"));
    }

    private static HttpResponse<String> html(String body) {
        return HttpResponse.ok(body).contentType(MediaType.TEXT_HTML_TYPE);
    }

    private static HttpResponse<String> text(HttpStatus status, String message) {
        return HttpResponse.<String>status(status).contentType(MediaType.TEXT_PLAIN_TYPE).body(message + "\n");
    }
}
