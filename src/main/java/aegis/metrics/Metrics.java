package aegis.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.time.Duration;

/**
 * The meters every package records, by name, so that /metrics has one vocabulary.
 * Names are Micrometer names; Prometheus shows counters with a {@code _total} suffix and
 * timers in seconds ({@code _seconds_count}, {@code _seconds_sum}, {@code _seconds_max}).
 * Tag values must come from small fixed sets (never gids, names or messages).
 */
@Singleton
public final class Metrics {
    public static final String WEBHOOK_DELIVERIES = "aegis_webhook_deliveries";
    public static final String ASANA_REQUESTS = "aegis_asana_requests";
    public static final String ASANA_RATE_LIMIT_WAIT = "aegis_asana_rate_limit_wait";
    public static final String EXECUTIONS = "aegis_dispatch_executions";
    public static final String EXECUTION_DURATION = "aegis_dispatch_execution_duration";
    public static final String ATTEMPTS = "aegis_dispatch_attempts_total";
    public static final String TOKENS = "aegis_agent_tokens";
    public static final String COST_USD = "aegis_agent_cost_usd";
    public static final String JOB_RUNS = "aegis_jobs_runs";
    public static final String JOB_DURATION = "aegis_jobs_duration";
    public static final String ARCHIVED_ROWS = "aegis_jobs_archived_rows";
    public static final String INBOX_PROCESSED = "aegis_webhook_inbox_processed";
    public static final String INBOX_FAILURES = "aegis_webhook_inbox_failures";
    public static final String FULL_SYNC = "aegis_sync_full_sync";
    public static final String MIRROR_WRITES = "aegis_sync_mirror_writes";
    /** Gauges, refreshed from the database when /metrics is scraped. */
    public static final String QUEUE_DEPTH = "aegis_dispatch_queue_depth";
    public static final String INBOX_PENDING = "aegis_webhook_inbox_pending";
    public static final String INBOX_LAG = "aegis_webhook_inbox_lag_seconds";

    private final MeterRegistry registry;

    public Metrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Meters kept in a registry of their own: for tools and commands that have no /metrics. */
    public static Metrics standalone() {
        return new Metrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * The counter of webhook deliveries with this result and reason, resolved once by callers on
     * a hot path. result "received" (reason "events" or "heartbeat") or "rejected" (reason from
     * a fixed set: "unknown_subscription", "gone", "handshake", "too_large", "signature",
     * "malformed", "unavailable").
     */
    public Counter webhookDeliveries(String result, String reason) {
        return Counter.builder(WEBHOOK_DELIVERIES).description("Webhook deliveries by result")
                .tag("result", result).tag("reason", reason).register(registry);
    }

    /** A delivery stored in the inbox; a heartbeat is one without events. */
    public void webhookReceived(boolean heartbeat) {
        webhookDeliveries("received", heartbeat ? "heartbeat" : "events").increment();
    }

    public void webhookRejected(String reason) {
        webhookDeliveries("rejected", reason).increment();
    }

    /** Inbox rows the sync applied, and rows whose processing failed (they are retried). */
    public void inboxProcessed(long rows) {
        Counter.builder(INBOX_PROCESSED).description("Webhook inbox rows processed")
                .register(registry).increment(rows);
    }

    public void inboxFailure() {
        Counter.builder(INBOX_FAILURES).description("Webhook inbox processing failures")
                .register(registry).increment();
    }

    /** One full-sync run (every tracked project, or the one asked for) took this long. */
    public void fullSync(Duration took) {
        Timer.builder(FULL_SYNC).description("Full-sync runs").register(registry).record(took);
    }

    /** Rows the mirror changed, by kind: "task" or "comment". */
    public void mirrorWrites(String kind, long rows) {
        Counter.builder(MIRROR_WRITES).description("Mirror rows written by sync")
                .tag("kind", kind).register(registry).increment(rows);
    }

    /**
     * One Asana HTTP attempt (retries count again). outcome: "ok", "rate_limited",
     * "client_error", "server_error", "network".
     */
    public void asanaRequest(String method, String outcome) {
        Counter.builder(ASANA_REQUESTS).description("Asana API requests by outcome")
                .tag("method", method).tag("outcome", outcome).register(registry).increment();
    }

    /**
     * Time one attempt waited before it was sent: the Retry-After gate and the client-side rate
     * limiter together. Recorded for every attempt, so the count is attempts and the sum the wait.
     */
    public void asanaRateLimitWait(Duration waited) {
        Timer.builder(ASANA_RATE_LIMIT_WAIT).description("Waits imposed by Asana rate limits")
                .register(registry).record(waited);
    }

    /** An execution reached its end. outcome: done, question, failed, cancelled, timed_out. */
    public void executionFinished(String outcome, Duration took) {
        finished.computeIfAbsent(outcome, o -> new Finished(
                Counter.builder(EXECUTIONS).description("Finished executions by outcome").tag("outcome", o)
                        .register(registry),
                Timer.builder(EXECUTION_DURATION).description("Execution wall time").tag("outcome", o)
                        .register(registry))).record(took);
    }

    /** An attempt of an execution ended: {@code ended} says how (completed, failed, retry, released, …). */
    public void attemptEnded(String ended) {
        attempts.computeIfAbsent(ended, e -> Counter.builder(ATTEMPTS)
                .description("Attempts of executions by how they ended").tag("ended", e).register(registry)).increment();
    }

    private final java.util.concurrent.ConcurrentMap<String, Counter> attempts =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** One outcome's meters, looked up once: every execution records into them. */
    private record Finished(Counter count, Timer duration) {
        void record(Duration took) {
            count.increment();
            duration.record(took);
        }
    }

    private final java.util.concurrent.ConcurrentMap<String, Finished> finished =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Tokens and cost an agent reported for one execution. */
    public void agentUsage(long inputTokens, long outputTokens, BigDecimal costUsd) {
        Usage u = usage;
        if (u == null) {
            u = new Usage(Counter.builder(TOKENS).description("LLM tokens").tag("direction", "input").register(registry),
                    Counter.builder(TOKENS).description("LLM tokens").tag("direction", "output").register(registry),
                    Counter.builder(COST_USD).description("Agent cost in US dollars").register(registry));
            usage = u;
        }
        u.input().increment(inputTokens);
        u.output().increment(outputTokens);
        u.cost().increment(costUsd == null ? 0 : costUsd.doubleValue());
    }

    private record Usage(Counter input, Counter output, Counter cost) {
    }

    private volatile Usage usage;

    /** A periodic task ran on this instance. outcome: "ok" or "failed". */
    public void jobRun(String task, String outcome, Duration took) {
        Counter.builder(JOB_RUNS).description("Periodic task runs on this instance")
                .tag("task", task).tag("outcome", outcome).register(registry).increment();
        Timer.builder(JOB_DURATION).description("Periodic task run time")
                .tag("task", task).register(registry).record(took);
    }

    /** Rows the retention job moved, summarised, purged or marked, by category. */
    public void archived(String category, long rows) {
        Counter.builder(ARCHIVED_ROWS).description("Rows handled by retention")
                .tag("category", category).register(registry).increment(rows);
    }
}
