package aegis.status;

import aegis.config.ContextFactory;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

/**
 * {@code GET /metrics}: Prometheus text, on the admin listener. Once API keys exist it stays open
 * (it holds counts only) unless {@code AEGIS_METRICS_REQUIRE_KEY=true}: see {@link AdminAccess}.
 */
@Controller(port = "${" + ContextFactory.ADMIN_PORT_PROPERTY + "}")
public class MetricsController {
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;

    /** @param gauges asked for only so that its gauges are registered before the first scrape */
    public MetricsController(PrometheusMeterRegistry registry, DatabaseGauges gauges) {
        this.registry = registry;
    }

    @Get(value = "/metrics", produces = PROMETHEUS_TEXT)
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<String> metrics() {
        return HttpResponse.ok(registry.scrape()).contentType(PROMETHEUS_TEXT);
    }
}
