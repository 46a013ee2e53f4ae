package aegis.status;

import aegis.config.ContextFactory;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics}: Prometheus text, on the admin listener. Once API keys exist it stays open
 * (it holds counts only) unless {@code AEGIS_METRICS_REQUIRE_KEY=true}: see {@link AdminAccess}.
 */
@Controller(port = "${" + ContextFactory.ADMIN_PORT_PROPERTY + "}")
public class MetricsController {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsController.class);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final DatabaseGauges gauges;

    public MetricsController(PrometheusMeterRegistry registry, DatabaseGauges gauges) {
        this.registry = registry;
        this.gauges = gauges;
    }

    @Get(value = "/metrics", produces = PROMETHEUS_TEXT)
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<String> metrics() {
        try {
            gauges.refresh();
        } catch (RuntimeException e) {
            // the counters are still worth serving while the database is away
            LOG.warn("event=metrics_gauges_failed error={}", e.getClass().getSimpleName());
        }
        return HttpResponse.ok(registry.scrape()).contentType(PROMETHEUS_TEXT);
    }
}
