package aegis.webhook;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * Decrypted webhook secrets held in memory, so that verifying a delivery costs no database
 * round trip once its subscription has been seen. Only subscriptions with a secret are cached,
 * and an entry is checked against its row again after {@link #RECHECK}: a subscription deleted
 * through another instance stops being accepted here within that time. Ids with no row are
 * remembered too, so that posts to a stale or made-up URL, repeated, cost no query either. Both
 * kinds of answer share one bounded cache ({@link #REMEMBERED} ids).
 */
@Singleton
public class SubscriptionSecrets {
    private final SubscriptionRepository subscriptions;
    private final WebhookSecrets secrets;
    static final Duration RECHECK = Duration.ofSeconds(60);
    static final int REMEMBERED = 10_000;

    /** Answers worth keeping for {@link #RECHECK}: an active subscription's secret, or an unknown id. */
    private final Cache<UUID, Lookup> known;

    @Inject
    public SubscriptionSecrets(SubscriptionRepository subscriptions, WebhookSecrets secrets) {
        this(subscriptions, secrets, System::nanoTime);
    }

    SubscriptionSecrets(SubscriptionRepository subscriptions, WebhookSecrets secrets, LongSupplier nanoClock) {
        this.subscriptions = subscriptions;
        this.secrets = secrets;
        this.known = Caffeine.newBuilder().maximumSize(REMEMBERED).expireAfterWrite(RECHECK)
                .ticker(nanoClock::getAsLong).build();
    }

    /** What the receiver knows about a subscription id. */
    public sealed interface Lookup {
        record Unknown() implements Lookup {
        }

        /** Deleted, or failed: Asana should stop delivering (410 makes it delete the webhook). */
        record Gone() implements Lookup {
        }

        /** Pending: registered but not yet active; deliveries wait (Asana retries them). */
        record NotActive() implements Lookup {
        }

        record NoSecret() implements Lookup {
        }

        record Secret(String value) implements Lookup {
            @Override
            public String toString() {
                return "Secret[***]";
            }
        }
    }

    public Lookup lookup(UUID id) {
        Lookup cached = known.getIfPresent(id);
        if (cached != null) {
            return cached;
        }
        Optional<SubscriptionRepository.Sealed> row = subscriptions.sealed(id);
        if (row.isEmpty()) {
            Lookup unknown = new Lookup.Unknown();
            known.put(id, unknown);
            return unknown;
        }
        String status = row.get().status();
        if ("deleted".equals(status) || "failed".equals(status)) {
            return new Lookup.Gone();
        }
        if (!"active".equals(status)) {
            return new Lookup.NotActive();
        }
        if (row.get().secret() == null) {
            return new Lookup.NoSecret();
        }
        String secret = secrets.required("to verify webhook deliveries").open(row.get().secret(), id.toString());
        Lookup found = new Lookup.Secret(secret);
        known.put(id, found);
        return found;
    }

    /**
     * Stores a handshake's secret (encrypted) if the subscription expects one. Not cached: the
     * subscription is still pending, and deliveries are for active ones only.
     */
    public boolean acceptHandshake(UUID id, String secret) {
        byte[] sealed = secrets.required("to store webhook secrets").seal(secret, id.toString());
        return subscriptions.acceptHandshake(id, sealed);
    }

    public void forget(UUID id) {
        known.invalidate(id);
    }
}
