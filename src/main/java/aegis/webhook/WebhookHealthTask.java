package aegis.webhook;

import aegis.asana.AsanaModel.Webhook;
import aegis.config.Settings;
import aegis.jobs.PeriodicTask;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one working webhook per tracked project: a webhook Asana deleted or deactivated,
 * or one that has gone silent (no heartbeat, no delivery), is retired and registered anew;
 * a handshake that never came is marked failed; a webhook aimed at this daemon that no live
 * subscription owns (a create that failed after Asana made it) is deleted. Outcomes are visible in
 * webhook_subscriptions.status / last_error.
 */
@Singleton
public class WebhookHealthTask implements PeriodicTask {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookHealthTask.class);

    private final SubscriptionRepository subscriptions;
    private final WebhookRegistrar registrar;
    private final WebhookSettings settings;

    public WebhookHealthTask(SubscriptionRepository subscriptions, WebhookRegistrar registrar, Settings settings) {
        this.subscriptions = subscriptions;
        this.registrar = registrar;
        this.settings = WebhookSettings.read(settings);
    }

    @Override
    public String name() {
        return "webhook-health";
    }

    @Override
    public Duration defaultPeriod() {
        return Duration.ofMinutes(5);
    }

    @Override
    public void run() {
        subscriptions.refreshLastDelivery();
        if (!registrar.enabled()) {
            return;
        }
        Instant now = Instant.now();
        Map<String, Webhook> asana = registrar.inAsana();
        List<Subscription> live = subscriptions.live();
        registrar.deleteUnowned(asana, live);
        for (Subscription s : live) {
            if (WebhookRegistrar.stalePending(s, now, settings.handshakeTimeout())) {
                subscriptions.fail(s.id(), "handshake never completed");
                continue;
            }
            if (!"active".equals(s.status())) {
                continue;
            }
            Webhook w = s.asanaWebhookGid() == null ? null : asana.get(s.asanaWebhookGid());
            String problem = null;
            if (w == null) {
                problem = "webhook no longer exists in Asana";
            } else if (!w.active()) {
                problem = "Asana deactivated the webhook"
                        + (w.lastFailureContent() == null ? "" : ": " + w.lastFailureContent());
            } else if (!s.healthy(now, settings.silence())) {
                problem = "no heartbeat or delivery for over " + settings.silence().toMinutes() + " min";
            }
            if (problem != null) {
                LOG.warn("event=webhook_unhealthy project={} subscription={} problem=\"{}\"", s.resourceGid(),
                        s.id(), problem);
                registrar.retire(s, problem);
            }
        }
        registrar.registerMissing();
    }
}
