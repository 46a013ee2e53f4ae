package aegis.sync;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.db.Jdbc;
import aegis.testing.TestDatabase;
import aegis.webhook.InboxStore;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The inbox claims in small batches, so that a batch is done long before its lock runs out. */
class InboxClaimTest {
    private static TestDatabase.Schema schema;

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("inboxclaim");
    }

    @AfterAll
    static void tearDown() {
        schema.drop();
    }

    @Test
    void aDrainClaimsAtMostTwentyFiveDeliveriesAtATime() throws Exception {
        try (Connection c = schema.connect(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO webhooks (payload) SELECT '{\"events\": []}' FROM generate_series(1, 60)");
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(schema.database().url());
        ds.setUser(schema.database().user());
        ds.setPassword(schema.database().password());
        InboxStore inbox = new InboxStore(new Jdbc(ds));
        assertThat(inbox.claim(InboxDrain.CLAIM, 10)).hasSize(25);
        assertThat(inbox.claim(InboxDrain.CLAIM, 10)).hasSize(25);
        assertThat(inbox.claim(InboxDrain.CLAIM, 10)).hasSize(10);
    }
}
