package aegis.status;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics}: Prometheus text. Open by default, like /health (it holds counts only);
 * {@code AEGIS_METRICS_REQUIRE_KEY=true} puts it behind the API keys as well.
 */
@Controller
public class MetricsController {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsController.class);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final DatabaseGauges gauges;
    private final ApiKeyGuard guard;
    private final StatusSettings settings;

    public MetricsController(PrometheusMeterRegistry registry, DatabaseGauges gauges, ApiKeyGuard guard,
                             StatusSettings settings) {
        this.registry = registry;
        this.gauges = gauges;
        this.guard = guard;
        this.settings = settings;
    }

    @Get(value = "/metrics", produces = PROMETHEUS_TEXT)
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<String> metrics(HttpRequest<?> request) {
        if (settings.metricsRequireKey() && !guard.allows(request)) {
            return StatusController.unauthorized(MediaType.TEXT_PLAIN_TYPE, "An API key is required\n");
        }
        try {
            gauges.refresh();
        } catch (RuntimeException e) {
            // the counters are still worth serving while the database is away
            LOG.warn("event=metrics_gauges_failed error={}", e.getClass().getSimpleName());
        }
        return HttpResponse.ok(registry.scrape()).contentType(PROMETHEUS_TEXT);
    }
}
