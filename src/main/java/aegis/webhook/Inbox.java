package aegis.webhook;

import java.util.List;

/**
 * The inbox as its processor sees it: claim stored deliveries, then mark each processed or
 * failed. {@link InboxStore} holds the SQL; the sync engine drains through this.
 */
public interface Inbox {
    /** How long a claim holds a delivery before another worker may take it over. */
    int LOCK_SECONDS = 120;

    /** A claimed delivery: its id, what Asana posted, and the attempts made before this one. */
    record Delivery(long id, String payload, int attempts) {
    }

    /**
     * Claims up to {@code limit} due deliveries, in id order: pending ones, and processing ones
     * whose claim expired (a worker died). Several instances claim side by side.
     */
    List<Delivery> claim(int limit);

    void processed(List<Long> ids);

    /** A failed attempt: retried after an exponential backoff, or failed once attempts run out. */
    void failed(long id, String error, int maxAttempts);
}
