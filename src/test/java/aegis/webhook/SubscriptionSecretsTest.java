package aegis.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.db.Jdbc;
import aegis.config.Settings;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The secret cache of one instance learns of a deletion made through another. */
class SubscriptionSecretsTest {
    private static TestDatabase.Schema schema;
    private static SubscriptionRepository repository;
    private static WebhookSecrets secrets;

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("subsecrets");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(schema.database().url());
        ds.setUser(schema.database().user());
        ds.setPassword(schema.database().password());
        repository = new SubscriptionRepository(new Jdbc(ds));
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        secrets = new WebhookSecrets(Settings.of(Map.of(SecretBox.SETTING, Base64.getEncoder().encodeToString(key))),
                TestApp.config(schema.database(), URI.create("http://127.0.0.1:9")));
    }

    @AfterAll
    static void tearDown() {
        schema.drop();
    }

    @Test
    void aDeletionElsewhereIsNoticedAfterTheRecheckInterval() {
        AtomicLong clock = new AtomicLong(0);
        SubscriptionSecrets here = new SubscriptionSecrets(repository, secrets, clock::get);
        SubscriptionSecrets elsewhere = new SubscriptionSecrets(repository, secrets, clock::get);
        UUID id = UUID.randomUUID();
        repository.createPending(id, "1", null, "http://127.0.0.1:9/webhooks/asana/" + id);
        assertThat(here.acceptHandshake(id, "the-secret")).isTrue();
        assertThat(here.lookup(id)).isEqualTo(new SubscriptionSecrets.Lookup.Secret("the-secret"));

        // Another instance deletes the subscription; this one still trusts its cache for a while...
        repository.markDeleted(id, "deleted by an operator");
        elsewhere.forget(id);
        clock.addAndGet(SubscriptionSecrets.RECHECK.toNanos() - 1);
        assertThat(here.lookup(id)).isInstanceOf(SubscriptionSecrets.Lookup.Secret.class);
        // ...and refuses it once the entry is due for a re-check.
        clock.addAndGet(2);
        assertThat(here.lookup(id)).isInstanceOf(SubscriptionSecrets.Lookup.Gone.class);
        assertThat(here.lookup(id)).isInstanceOf(SubscriptionSecrets.Lookup.Gone.class);
    }
}
