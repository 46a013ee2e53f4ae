package aegis.webhook;

import aegis.asana.WebhookSignature;

import aegis.config.ConfigException;
import aegis.config.Jdbc;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SubscriptionSecrets secrets;
    private final InboxStore inbox;
    private final InboxWakeup wakeup;
    private final Counter stored;
    private final Counter heartbeats;
    private final Counter rejected;
    private final Counter unavailable;

    public WebhookReceiver(SubscriptionSecrets secrets, InboxStore inbox, InboxWakeup wakeup, MeterRegistry meters) {
        this.secrets = secrets;
        this.inbox = inbox;
        this.wakeup = wakeup;
        this.stored = meters.counter("aegis_webhooks_deliveries", "outcome", "stored");
        this.heartbeats = meters.counter("aegis_webhooks_deliveries", "outcome", "heartbeat");
        this.rejected = meters.counter("aegis_webhooks_deliveries", "outcome", "rejected");
        this.unavailable = meters.counter("aegis_webhooks_deliveries", "outcome", "unavailable");
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
            return reject(HttpStatus.NOT_FOUND, "unknown subscription", subscriptionId);
        }
        try {
            if (hookSecret != null) {
                return handshake(id, hookSecret);
            }
            return deliver(id, signature, body == null ? new byte[0] : body);
        } catch (Jdbc.DataAccessException | ConfigException | SecretBox.SecretUnreadable e) {
            unavailable.increment();
            LOG.warn("event=webhook_unavailable subscription={} error={}", id, e.getClass().getSimpleName());
            return HttpResponse.<String>status(HttpStatus.SERVICE_UNAVAILABLE).body("cannot store the delivery now");
        }
    }

    private HttpResponse<String> handshake(UUID id, String hookSecret) {
        if (hookSecret.isBlank() || hookSecret.length() > 1024) {
            return reject(HttpStatus.BAD_REQUEST, "bad handshake secret", id.toString());
        }
        if (!secrets.acceptHandshake(id, hookSecret)) {
            return reject(HttpStatus.NOT_FOUND, "handshake for a subscription not expecting one", id.toString());
        }
        LOG.info("event=webhook_handshake subscription={}", id);
        return HttpResponse.<String>ok("").header("X-Hook-Secret", hookSecret);
    }

    private HttpResponse<String> deliver(UUID id, String signature, byte[] body) {
        if (body.length > MAX_BODY) {
            return reject(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "body over 1 MiB", id.toString());
        }
        SubscriptionSecrets.Lookup known = secrets.lookup(id);
        if (known instanceof SubscriptionSecrets.Lookup.Unknown) {
            return reject(HttpStatus.NOT_FOUND, "unknown subscription", id.toString());
        }
        if (known instanceof SubscriptionSecrets.Lookup.Gone) {
            return reject(HttpStatus.GONE, "subscription deleted", id.toString());
        }
        if (!(known instanceof SubscriptionSecrets.Lookup.Secret s)
                || !WebhookSignature.verify(s.value(), body, signature)) {
            return reject(HttpStatus.UNAUTHORIZED, signature == null ? "unsigned" : "bad signature", id.toString());
        }
        int events;
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            JsonNode root = JSON.readTree(text);
            JsonNode list = root == null ? null : root.get("events");
            if (list == null || !list.isArray()) {
                return reject(HttpStatus.BAD_REQUEST, "no events array", id.toString());
            }
            events = list.size();
        } catch (JsonProcessingException e) {
            return reject(HttpStatus.BAD_REQUEST, "malformed JSON", id.toString());
        }
        if (events == 0) {
            inbox.heartbeat(id, text);
            heartbeats.increment();
        } else {
            inbox.store(id, text, events);
            stored.increment();
            wakeup.signal();
        }
        return HttpResponse.ok("");
    }

    private HttpResponse<String> reject(HttpStatus status, String why, String subscription) {
        rejected.increment();
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
