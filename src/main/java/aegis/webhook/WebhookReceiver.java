package aegis.webhook;

import aegis.asana.WebhookSignature;

import aegis.config.ConfigException;
import aegis.db.Jdbc;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import aegis.metrics.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /webhooks/asana/{subscriptionId}}: Asana's handshake and deliveries. A delivery
 * is verified over its raw bytes, stored in the inbox in this request, and only then
 * acknowledged; everything else happens in the inbox processor.
 */
@Controller("/webhooks/asana")
public class WebhookReceiver {
    static final int MAX_BODY = 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(WebhookReceiver.class);
    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    private final SubscriptionSecrets secrets;
    private final InboxStore inbox;
    private final InboxWakeup wakeup;
    private final Metrics metrics;
    private final Counter stored;
    private final Counter heartbeats;

    public WebhookReceiver(SubscriptionSecrets secrets, InboxStore inbox, InboxWakeup wakeup, Metrics metrics) {
        this.secrets = secrets;
        this.inbox = inbox;
        this.wakeup = wakeup;
        this.metrics = metrics;
        // Resolved once: these two are counted on every accepted delivery.
        this.stored = metrics.webhookDeliveries("received", "events");
        this.heartbeats = metrics.webhookDeliveries("received", "heartbeat");
    }

    @Post("/{subscriptionId}")
    @Consumes(MediaType.ALL)
    @Produces(MediaType.TEXT_PLAIN)
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<String> receive(@PathVariable String subscriptionId,
                                        @Header("X-Hook-Secret") @Nullable String hookSecret,
                                        @Header("X-Hook-Signature") @Nullable String signature,
                                        @Body @Nullable byte[] body) {
        UUID id = parse(subscriptionId);
        if (id == null) {
            return reject(HttpStatus.NOT_FOUND, "unknown_subscription", "unknown subscription", subscriptionId);
        }
        try {
            if (hookSecret != null) {
                return handshake(id, hookSecret);
            }
            return deliver(id, signature, body == null ? new byte[0] : body);
        } catch (Jdbc.DataAccessException | ConfigException | SecretBox.SecretUnreadable e) {
            metrics.webhookRejected("unavailable");
            LOG.warn("event=webhook_unavailable subscription={} error={}", id, e.getClass().getSimpleName());
            return HttpResponse.<String>status(HttpStatus.SERVICE_UNAVAILABLE).body("cannot store the delivery now");
        }
    }

    private HttpResponse<String> handshake(UUID id, String hookSecret) {
        if (hookSecret.isBlank() || hookSecret.length() > 1024) {
            return reject(HttpStatus.BAD_REQUEST, "handshake", "bad handshake secret", id.toString());
        }
        if (!secrets.acceptHandshake(id, hookSecret)) {
            return reject(HttpStatus.NOT_FOUND, "handshake", "handshake for a subscription not expecting one",
                    id.toString());
        }
        LOG.info("event=webhook_handshake subscription={}", id);
        return HttpResponse.<String>ok("").header("X-Hook-Secret", hookSecret);
    }

    private HttpResponse<String> deliver(UUID id, String signature, byte[] body) {
        if (body.length > MAX_BODY) {
            return reject(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", "body over 1 MiB", id.toString());
        }
        SubscriptionSecrets.Lookup known = secrets.lookup(id);
        if (known instanceof SubscriptionSecrets.Lookup.Unknown) {
            return reject(HttpStatus.NOT_FOUND, "unknown_subscription", "unknown subscription", id.toString());
        }
        if (known instanceof SubscriptionSecrets.Lookup.Gone) {
            return reject(HttpStatus.GONE, "gone", "subscription deleted or failed", id.toString());
        }
        if (known instanceof SubscriptionSecrets.Lookup.NotActive) {
            // Asana may post before the registrar has recorded the activation: it retries later
            return reject(HttpStatus.SERVICE_UNAVAILABLE, "inactive", "subscription not active yet", id.toString());
        }
        if (!(known instanceof SubscriptionSecrets.Lookup.Secret s)
                || !WebhookSignature.verify(s.value(), body, signature)) {
            return reject(HttpStatus.UNAUTHORIZED, "signature", signature == null ? "unsigned" : "bad signature",
                    id.toString());
        }
        int events;
        try {
            events = countEvents(body);
        } catch (IOException e) {
            return reject(HttpStatus.BAD_REQUEST, "malformed", "malformed JSON", id.toString());
        }
        if (events < 0) {
            return reject(HttpStatus.BAD_REQUEST, "malformed", "no events array", id.toString());
        }
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            if (events == 0) {
                inbox.heartbeat(id, text);
                heartbeats.increment();
            } else {
                inbox.store(id, text, events);
                stored.increment();
                wakeup.signal();
            }
        } catch (InboxStore.Unstorable e) {
            // 400, not 503: a retry would fail the same way for 24 h, and then Asana drops the webhook
            return reject(HttpStatus.BAD_REQUEST, "malformed", "JSON that cannot be stored", id.toString());
        }
        return HttpResponse.ok("");
    }

    /**
     * Validates the whole document with a streaming parser (no tree is built on the hot path)
     * and counts the elements of its top-level {@code events} array; -1 when there is none.
     */
    static int countEvents(byte[] body) throws IOException {
        int events = -1;
        try (JsonParser p = JSON_FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new JsonParseException(p, "not an object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("events".equals(field) && value == JsonToken.START_ARRAY) {
                    events = 0;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        p.skipChildren();
                        events++;
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new JsonParseException(p, "trailing content");
            }
        }
        return events;
    }

    /** reason: the metric's fixed tag value; why: the human answer and log text. */
    private HttpResponse<String> reject(HttpStatus status, String reason, String why, String subscription) {
        metrics.webhookRejected(reason);
        LOG.warn("event=webhook_rejected status={} reason=\"{}\" subscription={}", status.getCode(), why,
                subscription.length() > 64 ? subscription.substring(0, 64) : subscription);
        return HttpResponse.<String>status(status).body(why);
    }

    private static UUID parse(String s) {
        try {
            return s.length() == 36 ? UUID.fromString(s) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
