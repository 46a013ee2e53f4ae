package aegis.status;

import aegis.governance.Instance;
import aegis.config.ContextFactory;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/**
 * {@code GET /status} (JSON, written by the context's mapper in the format {@link Status} declares),
 * on the admin listener only ({@link PageController} serves the page at {@code /}); {@link AdminAccessFilter} decides
 * who may read them.
 */
@Controller(port = "${" + ContextFactory.ADMIN_PORT_PROPERTY + "}")
public class StatusController {
    private final StatusReader reader;
    private final Instance instance;

    public StatusController(StatusReader reader, Instance instance) {
        this.reader = reader;
        this.instance = instance;
    }

    @Get(value = "/status", produces = MediaType.APPLICATION_JSON)
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<Status> status() {
        return HttpResponse.ok(reader.read(instance)).contentType(MediaType.APPLICATION_JSON_TYPE);
    }
}
