package aegis.webhook;

import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Decrypted webhook secrets held in memory, so that verifying a delivery costs no database
 * round trip once its subscription has been seen. Only subscriptions with a secret are cached.
 */
@Singleton
public class SubscriptionSecrets {
    private final SubscriptionRepository subscriptions;
    private final WebhookSecrets secrets;
    private final ConcurrentMap<UUID, String> cache = new ConcurrentHashMap<>();

    public SubscriptionSecrets(SubscriptionRepository subscriptions, WebhookSecrets secrets) {
        this.subscriptions = subscriptions;
        this.secrets = secrets;
    }

    /** What the receiver knows about a subscription id. */
    public sealed interface Lookup {
        record Unknown() implements Lookup {
        }

        record Gone() implements Lookup {
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
        String cached = cache.get(id);
        if (cached != null) {
            return new Lookup.Secret(cached);
        }
        Optional<SubscriptionRepository.Sealed> row = subscriptions.sealed(id);
        if (row.isEmpty()) {
            return new Lookup.Unknown();
        }
        if ("deleted".equals(row.get().status())) {
            return new Lookup.Gone();
        }
        if (row.get().secret() == null) {
            return new Lookup.NoSecret();
        }
        String secret = secrets.required("to verify webhook deliveries").open(row.get().secret(), id.toString());
        cache.put(id, secret);
        return new Lookup.Secret(secret);
    }

    /** Stores a handshake's secret (encrypted) if the subscription expects one; caches it. */
    public boolean acceptHandshake(UUID id, String secret) {
        byte[] sealed = secrets.required("to store webhook secrets").seal(secret, id.toString());
        if (subscriptions.acceptHandshake(id, sealed)) {
            cache.put(id, secret);
            return true;
        }
        return false;
    }

    public void forget(UUID id) {
        cache.remove(id);
    }
}
