package aegis.sim;

import aegis.asana.WebhookSignature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulator's webhooks, delivered as Asana does: a handshake while the create request is
 * open, batched deliveries signed with the handshake secret, one delivery in flight per
 * webhook (so events arrive in order), retries with doubling delays while the target fails,
 * deletion once it has failed for the whole failure window, and heartbeats when idle.
 */
final class WebhookDeliverer implements SimStore.EventSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookDeliverer.class);
    private static final int MAX_BATCH = 100;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final ObjectMapper json;
    private final ScheduledExecutorService scheduler;
    private final HttpClient http;
    private final Supplier<SimOptions> options;
    private final Supplier<SimFaults> faults;
    private final SecureRandom random = new SecureRandom();
    private final TreeMap<Long, Hook> hooks = new TreeMap<>();
    private long generation;

    WebhookDeliverer(ObjectMapper json, Supplier<SimOptions> options, Supplier<SimFaults> faults) {
        this.json = json;
        this.options = options;
        this.faults = faults;
        this.scheduler = Executors.newScheduledThreadPool(4, r -> {
            Thread t = new Thread(r, "sim-webhooks");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
    }

    private static final class Hook {
        final String gid;
        final Map<String, Object> resource;
        final String target;
        final String secret;
        final List<Map<String, Object>> filters;
        final Instant createdAt;
        final long generation;
        final ArrayDeque<Map<String, Object>> pending = new ArrayDeque<>();
        boolean scheduled;
        boolean inFlight;
        boolean heartbeatDue;
        boolean deleted;
        Instant lastSuccessAt;
        Instant lastFailureAt;
        String lastFailureContent = "";
        Instant failingSince;
        int retryCount;
        Instant nextAttemptAfter;
        long lastSentMillis = System.currentTimeMillis();
        ScheduledFuture<?> heartbeat;

        Hook(String gid, Map<String, Object> resource, String target, String secret,
             List<Map<String, Object>> filters, long generation) {
            this.gid = gid;
            this.resource = resource;
            this.target = target;
            this.secret = secret;
            this.filters = filters;
            this.createdAt = SimStore.now();
            this.generation = generation;
        }
    }

    // ---- management --------------------------------------------------------------------------

    /**
     * {@code POST /webhooks}: sends the handshake to {@code target} now, on the caller's thread,
     * and creates the webhook only when the target answered 2xx echoing {@code X-Hook-Secret}.
     */
    Map<String, Object> create(String gid, Map<String, Object> resource, String target,
                               List<Map<String, Object>> filters) {
        URI uri;
        try {
            uri = URI.create(target);
            if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw SimError.badRequest("target: Invalid URL: " + target);
        }
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        String secret = HexFormat.of().formatHex(bytes);
        HttpResponse<String> answer;
        try {
            answer = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                    .header("X-Hook-Secret", secret)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw SimError.badRequest("target: Unable to reach the target for the webhook handshake");
        }
        String echoed = answer.headers().firstValue("X-Hook-Secret").orElse(null);
        if (answer.statusCode() / 100 != 2 || !secret.equals(echoed)) {
            LOG.info("event=sim_webhook_handshake_failed status={}", answer.statusCode());
            throw SimError.badRequest("target: The remote server did not respond with the handshake secret");
        }
        Hook h;
        synchronized (this) {
            h = new Hook(gid, resource, target, secret, filters, generation);
            hooks.put(Long.parseLong(gid), h);
            long hb = options.get().heartbeatSeconds() * 1000;
            h.heartbeat = scheduler.scheduleAtFixedRate(() -> heartbeat(h), hb, hb, TimeUnit.MILLISECONDS);
            return render(h);
        }
    }

    synchronized List<Map<String, Object>> list(String resourceGid) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Hook h : hooks.values()) {
            if (resourceGid == null || resourceGid.equals(h.resource.get("gid"))) {
                out.add(render(h));
            }
        }
        return out;
    }

    synchronized TreeMap<Long, Map<String, Object>> listByGid(String resourceGid) {
        TreeMap<Long, Map<String, Object>> out = new TreeMap<>();
        for (Map.Entry<Long, Hook> e : hooks.entrySet()) {
            if (resourceGid == null || resourceGid.equals(e.getValue().resource.get("gid"))) {
                out.put(e.getKey(), render(e.getValue()));
            }
        }
        return out;
    }

    synchronized Map<String, Object> get(String gid) {
        Hook h = hooks.get(parse(gid));
        if (h == null) {
            throw SimError.notFound("webhook");
        }
        return render(h);
    }

    synchronized void delete(String gid) {
        Hook h = hooks.remove(parse(gid));
        if (h == null) {
            throw SimError.notFound("webhook");
        }
        drop(h);
    }

    /** The secrets of live webhooks, for tests that check signatures from the outside. */
    synchronized String secretOf(String gid) {
        Hook h = hooks.get(parse(gid));
        return h == null ? null : h.secret;
    }

    synchronized void reset() {
        generation++;
        hooks.values().forEach(this::drop);
        hooks.clear();
    }

    private void drop(Hook h) {
        h.deleted = true;
        h.pending.clear();
        if (h.heartbeat != null) {
            h.heartbeat.cancel(false);
        }
    }

    private Map<String, Object> render(Hook h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("gid", h.gid);
        m.put("resource_type", "webhook");
        m.put("active", !h.deleted);
        m.put("resource", h.resource);
        m.put("target", h.target);
        m.put("created_at", h.createdAt.toString());
        // Timestamps that have not happened yet are left out: the schema has them as plain strings.
        putIf(m, "last_failure_at", h.lastFailureAt);
        m.put("last_failure_content", h.lastFailureContent);
        putIf(m, "last_success_at", h.lastSuccessAt);
        m.put("delivery_retry_count", h.retryCount);
        putIf(m, "next_attempt_after", h.nextAttemptAfter);
        putIf(m, "failure_deletion_timestamp", h.failingSince == null ? null
                : h.failingSince.plusSeconds(options.get().webhookFailureWindowSeconds()));
        m.put("filters", h.filters);
        return m;
    }

    private static void putIf(Map<String, Object> m, String key, Instant value) {
        if (value != null) {
            m.put(key, value.toString());
        }
    }

    private static long parse(String gid) {
        try {
            return Long.parseLong(gid);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // ---- delivery ----------------------------------------------------------------------------

    @Override
    public synchronized void publish(Map<String, Object> event, Set<String> resources) {
        for (Hook h : hooks.values()) {
            if (!h.deleted && resources.contains((String) h.resource.get("gid")) && passes(h.filters, event)) {
                h.pending.add(event);
                kick(h, options.get().webhookBatchMs());
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static boolean passes(List<Map<String, Object>> filters, Map<String, Object> event) {
        if (filters == null || filters.isEmpty()) {
            return true;
        }
        Map<String, Object> resource = (Map<String, Object>) event.get("resource");
        Map<String, Object> change = (Map<String, Object>) event.get("change");
        for (Map<String, Object> f : filters) {
            if (f.get("resource_type") != null && !f.get("resource_type").equals(resource.get("resource_type"))) {
                continue;
            }
            if (f.get("resource_subtype") != null
                    && !f.get("resource_subtype").equals(resource.get("resource_subtype"))) {
                continue;
            }
            if (f.get("action") != null && !f.get("action").equals(event.get("action"))) {
                continue;
            }
            if (f.get("fields") instanceof List<?> fields && !fields.isEmpty()
                    && (change == null || !fields.contains(change.get("field")))) {
                continue;
            }
            return true;
        }
        return false;
    }

    /** Caller holds the lock. */
    private void kick(Hook h, long delayMs) {
        if (!h.scheduled && !h.inFlight && !h.deleted) {
            h.scheduled = true;
            scheduler.schedule(() -> deliver(h), delayMs, TimeUnit.MILLISECONDS);
        }
    }

    private void heartbeat(Hook h) {
        synchronized (this) {
            long idle = System.currentTimeMillis() - h.lastSentMillis;
            if (h.deleted || idle < options.get().heartbeatSeconds() * 1000 - 50) {
                return;
            }
            h.heartbeatDue = true;
            kick(h, 0);
        }
    }

    private void deliver(Hook h) {
        List<Map<String, Object>> batch = new ArrayList<>();
        synchronized (this) {
            h.scheduled = false;
            if (h.deleted) {
                return;
            }
            while (!h.pending.isEmpty() && batch.size() < MAX_BATCH) {
                batch.add(h.pending.poll());
            }
            if (batch.isEmpty() && !h.heartbeatDue) {
                return;
            }
            h.heartbeatDue = false;
            h.inFlight = true;
            h.lastSentMillis = System.currentTimeMillis();
        }
        SimFaults f = faults.get();
        String failure = null;
        try {
            if (!batch.isEmpty() && ThreadLocalRandom.current().nextDouble() < f.dropWebhooks()) {
                LOG.debug("event=sim_webhook_dropped webhook={} events={}", h.gid, batch.size());
            } else {
                failure = post(h, batch);
                if (failure == null && !batch.isEmpty()
                        && ThreadLocalRandom.current().nextDouble() < f.duplicateWebhooks()) {
                    post(h, batch);
                }
            }
        } catch (RuntimeException e) {
            failure = "error: " + e.getClass().getSimpleName();
        }
        synchronized (this) {
            h.inFlight = false;
            if (h.deleted) {
                return;
            }
            Instant now = SimStore.now();
            if (failure == null) {
                h.lastSuccessAt = now;
                h.failingSince = null;
                h.retryCount = 0;
                h.nextAttemptAfter = null;
                if (!h.pending.isEmpty()) {
                    kick(h, 0);
                }
                return;
            }
            h.lastFailureAt = now;
            h.lastFailureContent = failure;
            if (h.failingSince == null) {
                h.failingSince = now;
            }
            for (int i = batch.size() - 1; i >= 0; i--) {
                h.pending.addFirst(batch.get(i));
            }
            SimOptions o = options.get();
            if (Duration.between(h.failingSince, now).toMillis() >= o.webhookFailureWindowSeconds() * 1000) {
                LOG.info("event=sim_webhook_deleted webhook={} reason=failing_too_long", h.gid);
                hooks.remove(Long.parseLong(h.gid));
                drop(h);
                return;
            }
            long delay = Math.min(o.webhookRetryBaseMs() << Math.min(h.retryCount, 20), 3_600_000L);
            h.retryCount++;
            h.nextAttemptAfter = now.plusMillis(delay);
            h.scheduled = true;
            scheduler.schedule(() -> deliver(h), delay, TimeUnit.MILLISECONDS);
        }
    }

    /** Null on a 2xx answer, else what went wrong (kept as last_failure_content). */
    private String post(Hook h, List<Map<String, Object>> batch) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(Map.of("events", batch));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(h.target)).timeout(TIMEOUT)
                    .header("Content-Type", "application/json; charset=utf-8")
                    .header("X-Hook-Signature", WebhookSignature.sign(h.secret, body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (r.statusCode() / 100 == 2) {
                return null;
            }
            String content = r.body() == null ? "" : r.body();
            return r.statusCode() + " " + (content.length() > 200 ? content.substring(0, 200) : content);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            return "unreachable: " + e.getClass().getSimpleName();
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
