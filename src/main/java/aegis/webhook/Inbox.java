package aegis.webhook;

import java.util.List;
import java.util.UUID;

/**
 * The inbox as its processor sees it: claim stored deliveries, then mark each processed or
 * failed. {@link InboxStore} holds the SQL; the sync engine drains through this.
 */
public interface Inbox {
    /** How long a claim holds a delivery before another worker may take it over. */
    int LOCK_SECONDS = 120;

    /**
     * A claimed delivery: its id, what Asana posted, the attempts made before this one, and the
     * claim it is held under (marks made under any other claim are ignored).
     */
    record Delivery(long id, String payload, int attempts, UUID claim) {
    }

    /**
     * Claims up to {@code limit} due deliveries, in id order: pending ones, and processing ones
     * whose claim expired (a worker died). An expired claim counts as an attempt, so a delivery
     * that kills its worker every time is failed after {@code maxAttempts} instead of looping.
     * Several instances claim side by side.
     */
    List<Delivery> claim(int limit, int maxAttempts);

    /** Marks deliveries processed, those still held under their claim; answers how many. */
    int processed(List<Delivery> deliveries);

    /**
     * A failed attempt: retried after an exponential backoff, or failed once attempts run out.
     * False when the claim was lost meanwhile (another worker holds the delivery now).
     */
    boolean failed(Delivery delivery, String error, int maxAttempts);
}
