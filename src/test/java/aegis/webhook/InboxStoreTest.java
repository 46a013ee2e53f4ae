package aegis.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.db.Jdbc;
import aegis.testing.TestDatabase;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** The inbox table's SQL, all of it in its one owner, against real PostgreSQL. */
class InboxStoreTest {
    private static TestDatabase.Schema schema;
    private static InboxStore inbox;
    private static final int MAX = 3;

    @BeforeAll
    static void setUp() {
        schema = TestDatabase.freshSchema("inboxstore");
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(schema.database().url());
        ds.setUser(schema.database().user());
        ds.setPassword(schema.database().password());
        inbox = new InboxStore(new Jdbc(ds));
    }

    @AfterAll
    static void tearDown() {
        schema.drop();
    }

    @BeforeEach
    void empty() throws Exception {
        sql("TRUNCATE webhooks");
    }

    @Test
    void aStoredDeliveryIsClaimedOnceThenMarkedProcessed() throws Exception {
        inbox.store(null, "{\"events\": [{\"action\": \"changed\"}]}", 1);
        inbox.store(null, "{\"events\": []}", 0);

        List<Inbox.Delivery> claimed = inbox.claim(10, MAX);
        assertThat(claimed).extracting(Inbox.Delivery::payload)
                .containsExactly("{\"events\": [{\"action\": \"changed\"}]}", "{\"events\": []}");
        assertThat(claimed).allMatch(d -> d.attempts() == 0);
        assertThat(inbox.claim(10, MAX)).as("held by the first claim").isEmpty();
        assertThat(inbox.backlog()).extracting(InboxBacklog.Backlog::pending, InboxBacklog.Backlog::processing)
                .containsExactly(0L, 2L);

        assertThat(inbox.processed(claimed)).isEqualTo(2);
        assertThat(rows("SELECT status || ':' || (processed_at IS NOT NULL) || ':' || (locked_until IS NULL) "
                + "FROM webhooks")).containsExactly("processed:true:true", "processed:true:true");
        assertThat(inbox.backlog()).isEqualTo(new InboxBacklog.Backlog(0, 0, null));
    }

    @Test
    void anExpiredClaimIsTakenOver() throws Exception {
        inbox.store(null, "{}", 0);
        Inbox.Delivery first = inbox.claim(1, MAX).get(0);
        sql("UPDATE webhooks SET locked_until = now() - interval '1 second'");
        assertThat(inbox.claim(1, MAX)).extracting(Inbox.Delivery::id).containsExactly(first.id());
    }

    @Test
    void anExpiredClaimCountsAsAnAttemptSoADeliveryThatKillsItsWorkerEndsFailed() throws Exception {
        inbox.store(null, "{}", 0);
        for (int expired = 0; expired < MAX; expired++) {
            Inbox.Delivery d = inbox.claim(1, MAX).get(0);
            assertThat(d.attempts()).as("attempts before claim %d", expired + 1).isEqualTo(expired);
            sql("UPDATE webhooks SET locked_until = now() - interval '1 second'"); // its worker died
        }
        assertThat(inbox.claim(1, MAX)).as("the last allowed expiry fails it instead of claiming it again")
                .isEmpty();
        assertThat(rows("SELECT status || ':' || attempts || ':' || (processed_at IS NOT NULL) || ':' "
                + "|| (last_error LIKE 'claim expired 3 times%') FROM webhooks")).containsExactly("failed:3:true:true");
        assertThat(inbox.failedDeliveries()).isEqualTo(1);
    }

    @Test
    void aWorkerWhoseClaimWasTakenOverCannotMarkTheDelivery() throws Exception {
        inbox.store(null, "{}", 0);
        inbox.store(null, "{}", 0);
        List<Inbox.Delivery> late = inbox.claim(2, MAX);
        sql("UPDATE webhooks SET locked_until = now() - interval '1 second'");
        List<Inbox.Delivery> current = inbox.claim(2, MAX);
        assertThat(current).extracting(Inbox.Delivery::id).containsExactlyElementsOf(
                late.stream().map(Inbox.Delivery::id).toList());

        assertThat(inbox.processed(late)).as("the stale claim marks nothing").isZero();
        assertThat(inbox.failed(late.get(1), "late", MAX)).isFalse();
        assertThat(rows("SELECT status || ':' || attempts FROM webhooks ORDER BY id"))
                .containsExactly("processing:1", "processing:1");

        assertThat(inbox.processed(current.subList(0, 1))).isEqualTo(1);
        assertThat(inbox.failed(current.get(1), "boom", MAX)).isTrue();
        assertThat(rows("SELECT status || ':' || attempts FROM webhooks ORDER BY id"))
                .containsExactly("processed:1", "pending:2");
    }

    @Test
    void aFailureIsRetriedWithBackoffUntilAttemptsRunOut() throws Exception {
        inbox.store(null, "{}", 0);
        inbox.failed(inbox.claim(1, MAX).get(0), "ServerError: boom", 2);
        assertThat(rows("SELECT status || ':' || attempts || ':' || last_error || ':' || (next_attempt_at > now()) "
                + "FROM webhooks")).containsExactly("pending:1:ServerError: boom:true");
        assertThat(inbox.claim(1, MAX)).as("not due before its backoff").isEmpty();
        assertThat(inbox.backlog().pending()).isEqualTo(1);

        sql("UPDATE webhooks SET next_attempt_at = now()");
        Inbox.Delivery again = inbox.claim(1, MAX).get(0);
        assertThat(again.attempts()).isEqualTo(1);
        inbox.failed(again, "x".repeat(5000), 2);
        assertThat(rows("SELECT status || ':' || attempts || ':' || length(last_error) FROM webhooks"))
                .containsExactly("failed:2:1000");
        assertThat(inbox.failedDeliveries()).isEqualTo(1);
        assertThat(inbox.backlog().unprocessed()).isZero();
    }

    @Test
    void theBacklogSaysHowOldTheOldestUnprocessedDeliveryIs() throws Exception {
        sql("INSERT INTO webhooks (payload, received_at) VALUES ('{}', now() - interval '42 seconds'), ('{}', now())");
        InboxBacklog.Backlog b = inbox.backlog();
        assertThat(b.pending()).isEqualTo(2);
        assertThat(b.oldestSeconds()).isBetween(42L, 100L);
    }

    @Test
    void retentionDeletesProcessedAndFailedDeliveriesPastTheirDays() throws Exception {
        sql("""
            INSERT INTO webhooks (payload, status, processed_at)
              SELECT '{}', 'processed', now() - interval '10 days' FROM generate_series(1, 4);
            INSERT INTO webhooks (payload, status, processed_at) VALUES ('{}', 'processed', now() - interval '1 day');
            INSERT INTO webhooks (payload, status, received_at) VALUES ('{}', 'pending', now() - interval '10 days');
            INSERT INTO webhooks (payload, status, received_at, processed_at)
              VALUES ('{}', 'failed', now() - interval '10 days', now() - interval '9 days'),
                     ('{}', 'failed', now() - interval '10 days', now() - interval '1 day');
            """);
        assertThat(inbox.due(7)).isEqualTo(5);
        assertThat(inbox.batch(7, 3)).as("one bounded batch").isEqualTo(3);
        assertThat(inbox.batch(7, 3)).isEqualTo(2);
        assertThat(inbox.batch(7, 3)).isZero();
        assertThat(rows("SELECT status FROM webhooks ORDER BY status"))
                .as("only the recent ones and the one still waiting").containsExactly("failed", "pending", "processed");
    }

    @Test
    void aDeliveryFailedForGoodRecordsWhenItWasGivenUpSoRetentionCanAgeIt() throws Exception {
        inbox.store(null, "{}", 0);
        inbox.failed(inbox.claim(1, MAX).get(0), "boom", 1);
        assertThat(rows("SELECT status || ':' || (processed_at IS NOT NULL) FROM webhooks")).containsExactly("failed:true");
        sql("UPDATE webhooks SET processed_at = now() - interval '8 days'");
        assertThat(inbox.due(7)).isEqualTo(1);
    }

    private static void sql(String sql) throws Exception {
        schema.execute(sql);
    }

    private static List<String> rows(String sql) throws Exception {
        return schema.strings(sql);
    }
}
