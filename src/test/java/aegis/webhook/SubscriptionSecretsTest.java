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
    private static Jdbc jdbc;

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("subsecrets");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(schema.database().url());
        ds.setUser(schema.database().user());
        ds.setPassword(schema.database().password());
        jdbc = new Jdbc(ds);
        repository = new SubscriptionRepository(jdbc);
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
        assertThat(here.lookup(id)).as("pending: not for deliveries yet")
                .isInstanceOf(SubscriptionSecrets.Lookup.NotActive.class);
        assertThat(repository.activate(id, "w")).isTrue();
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

    @Test
    void anUnknownIdIsAskedAboutOncePerRecheckInterval() {
        AtomicLong clock = new AtomicLong(0);
        java.util.concurrent.atomic.AtomicInteger queries = new java.util.concurrent.atomic.AtomicInteger();
        SubscriptionRepository counting = new SubscriptionRepository(jdbc) {
            @Override
            public java.util.Optional<Sealed> sealed(UUID id) {
                queries.incrementAndGet();
                return super.sealed(id);
            }
        };
        SubscriptionSecrets here = new SubscriptionSecrets(counting, secrets, clock::get);
        UUID id = UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            assertThat(here.lookup(id)).isInstanceOf(SubscriptionSecrets.Lookup.Unknown.class);
        }
        assertThat(queries.get()).as("one query for five posts to the same unknown id").isEqualTo(1);

        // Should the id come to exist after all, it is found once the remembered answer expires.
        repository.createPending(id, "1", null, "http://127.0.0.1:9/webhooks/asana/" + id);
        repository.markDeleted(id, "gone");
        clock.addAndGet(SubscriptionSecrets.RECHECK.toNanos() + 1);
        assertThat(here.lookup(id)).isInstanceOf(SubscriptionSecrets.Lookup.Gone.class);
        assertThat(queries.get()).isEqualTo(2);
    }
}
