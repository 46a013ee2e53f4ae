package aegis.webhook;

import aegis.asana.AsanaClient;
import aegis.asana.AsanaException;
import aegis.asana.AsanaModel.Webhook;
import aegis.asana.AsanaModel.WebhookFilter;
import aegis.config.AegisConfig;
import aegis.config.ConfigException;
import jakarta.inject.Singleton;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers and deletes Asana webhooks, one per tracked project. The pending subscription row
 * is written before Asana is asked, so that whichever instance's receiver gets the handshake
 * (it arrives while the create call is open) finds the subscription it is expecting.
 */
@Singleton
public class WebhookRegistrar {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookRegistrar.class);

    /** Task added/changed/removed/deleted/undeleted, and stories added. */
    public static final List<WebhookFilter> FILTERS = List.of(
            new WebhookFilter("task", null, "added", null),
            new WebhookFilter("task", null, "changed", null),
            new WebhookFilter("task", null, "removed", null),
            new WebhookFilter("task", null, "deleted", null),
            new WebhookFilter("task", null, "undeleted", null),
            new WebhookFilter("story", null, "added", null));

    private final AsanaClient asana;
    private final AegisConfig config;
    private final SubscriptionRepository subscriptions;
    private final SubscriptionSecrets secrets;
    private final TrackedProjects projects;

    public WebhookRegistrar(AsanaClient asana, AegisConfig config, SubscriptionRepository subscriptions,
                            SubscriptionSecrets secrets, TrackedProjects projects) {
        this.projects = projects;
        this.asana = asana;
        this.config = config;
        this.subscriptions = subscriptions;
        this.secrets = secrets;
    }

    /** What happened to one project's webhook. */
    public record Outcome(String projectGid, UUID subscriptionId, String asanaWebhookGid, String status,
                          String error) {
    }

    public boolean enabled() {
        return config.publicUrl().isPresent();
    }

    /** Registers a webhook for every tracked project that has no active or pending one. */
    public List<Outcome> registerMissing() {
        List<Subscription> live = subscriptions.live();
        List<Outcome> out = new ArrayList<>();
        for (TrackedProjects.TrackedProject p : projects.tracked()) {
            boolean covered = live.stream().anyMatch(s -> p.id() == (s.projectId() == null ? -1 : s.projectId())
                    && ("active".equals(s.status()) || "pending".equals(s.status())));
            if (!covered) {
                out.add(register(p));
            }
        }
        return out;
    }

    public Outcome register(TrackedProjects.TrackedProject p) {
        URI base = config.publicUrl().orElseThrow(() -> new ConfigException("AEGIS_PUBLIC_URL",
                "is required to register webhooks: set it to the externally reachable base URL of this "
                        + "daemon (Asana posts to ${AEGIS_PUBLIC_URL}/webhooks/asana/<id>)"));
        UUID id = UUID.randomUUID();
        String target = targetPrefix(base) + id;
        if (!subscriptions.createPending(id, p.gid(), p.id(), target)) {
            // Another instance registered one a moment ago: the project is covered.
            LOG.info("event=webhook_already_registering project={}", p.gid());
            return new Outcome(p.gid(), null, null, "covered", null);
        }
        try {
            Webhook w = asana.createWebhook(p.gid(), target, FILTERS);
            if (!subscriptions.activate(id, w.gid())) {
                // Asana accepted a handshake, but not through a receiver of this process: nothing
                // could verify its deliveries, so the webhook is removed rather than kept half-made.
                String why = "handshake secret not stored: is this daemon serving " + base + "?";
                LOG.warn("event=webhook_without_secret project={} subscription={}", p.gid(), id);
                deleteQuietly(w.gid());
                subscriptions.fail(id, why);
                return new Outcome(p.gid(), id, w.gid(), "failed", why);
            }
            LOG.info("event=webhook_registered project={} subscription={} webhook={}", p.gid(), id, w.gid());
            return new Outcome(p.gid(), id, w.gid(), "active", null);
        } catch (AsanaException e) {
            subscriptions.fail(id, "register: " + e.getMessage());
            LOG.warn("event=webhook_register_failed project={} subscription={} status={} error=\"{}\"",
                    p.gid(), id, e.status(), e.getMessage());
            return new Outcome(p.gid(), id, null, "failed", e.getMessage());
        } finally {
            // whatever happened, the call is over: the row takes no handshake any more
            subscriptions.closeHandshake(id);
        }
    }

    /** Best effort: a webhook left behind is found and deleted by {@link #deleteUnowned} later. */
    private void deleteQuietly(String webhookGid) {
        try {
            asana.deleteWebhook(webhookGid);
        } catch (AsanaException e) {
            LOG.warn("event=webhook_orphan_not_deleted webhook={} error=\"{}\"", webhookGid, e.getMessage());
        }
    }

    /** Deletes the webhooks (of one project, or all) in Asana and marks them deleted here. */
    public List<Outcome> delete(Optional<String> projectGid) {
        List<Outcome> out = new ArrayList<>();
        for (Subscription s : subscriptions.live()) {
            if (projectGid.isPresent() && !projectGid.get().equals(s.resourceGid())) {
                continue;
            }
            out.add(retire(s, "deleted by operator"));
        }
        return out;
    }

    /** Removes one subscription from Asana (when it exists there) and marks it deleted. */
    public Outcome retire(Subscription s, String why) {
        try {
            if (s.asanaWebhookGid() != null) {
                asana.deleteWebhook(s.asanaWebhookGid());
            }
        } catch (AsanaException.NotFound e) {
            // already gone in Asana
        } catch (AsanaException e) {
            subscriptions.fail(s.id(), "delete: " + e.getMessage());
            return new Outcome(s.resourceGid(), s.id(), s.asanaWebhookGid(), "failed", e.getMessage());
        }
        subscriptions.markDeleted(s.id(), why);
        secrets.forget(s.id());
        LOG.info("event=webhook_deleted project={} subscription={} reason=\"{}\"", s.resourceGid(), s.id(), why);
        return new Outcome(s.resourceGid(), s.id(), s.asanaWebhookGid(), "deleted", null);
    }

    /**
     * Deletes, in Asana, the webhooks aimed at this daemon's receiver that no pending or active
     * subscription owns: one whose create call failed or timed out after Asana had made it, one
     * whose delete failed, an older duplicate. Left alone, they would deliver every event again,
     * for ever. {@code listed} (Asana's) must be read before {@code live} (ours): a subscription's row
     * is written before its webhook is created, so a webhook being registered is always owned.
     */
    public List<Outcome> deleteUnowned(java.util.Map<String, Webhook> listed, List<Subscription> live) {
        Optional<URI> base = config.publicUrl();
        if (base.isEmpty()) {
            return List.of();
        }
        String prefix = targetPrefix(base.get());
        java.util.Set<String> owned = new java.util.HashSet<>();
        for (Subscription s : live) {
            if ("active".equals(s.status()) || "pending".equals(s.status())) {
                owned.add(s.target());
                if (s.asanaWebhookGid() != null) {
                    owned.add(s.asanaWebhookGid());
                }
            }
        }
        List<Outcome> out = new ArrayList<>();
        for (Webhook w : listed.values()) {
            if (w.target() == null || !w.target().startsWith(prefix) || owned.contains(w.gid())
                    || owned.contains(w.target())) {
                continue;
            }
            Optional<Subscription> row = live.stream()
                    .filter(s -> w.gid().equals(s.asanaWebhookGid()) || w.target().equals(s.target())).findFirst();
            try {
                asana.deleteWebhook(w.gid());
            } catch (AsanaException.NotFound e) {
                // gone meanwhile
            } catch (AsanaException e) {
                LOG.warn("event=webhook_orphan_not_deleted webhook={} project={} error=\"{}\"", w.gid(),
                        w.resourceGid(), e.getMessage());
                out.add(new Outcome(w.resourceGid(), row.map(Subscription::id).orElse(null), w.gid(), "failed",
                        e.getMessage()));
                continue;
            }
            row.ifPresent(s -> {
                subscriptions.markDeleted(s.id(), "its webhook was left in Asana and is deleted");
                secrets.forget(s.id());
            });
            LOG.warn("event=webhook_orphan_deleted webhook={} project={} subscription={}", w.gid(), w.resourceGid(),
                    row.map(Subscription::id).orElse(null));
            out.add(new Outcome(w.resourceGid(), row.map(Subscription::id).orElse(null), w.gid(), "deleted", null));
        }
        return out;
    }

    private static String targetPrefix(URI base) {
        return base.toString() + "/webhooks/asana/";
    }

    /** Asana's view of our webhooks, by Asana gid. */
    public java.util.Map<String, Webhook> inAsana() {
        java.util.Map<String, Webhook> out = new java.util.HashMap<>();
        for (Webhook w : asana.webhooks(config.asana().workspaceGid(), Optional.empty())) {
            out.put(w.gid(), w);
        }
        return out;
    }

    static boolean stalePending(Subscription s, Instant now, java.time.Duration timeout) {
        return "pending".equals(s.status()) && s.createdAt().plus(timeout).isBefore(now);
    }
}
