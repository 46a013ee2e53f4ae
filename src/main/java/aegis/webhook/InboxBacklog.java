package aegis.webhook;

/** What the inbox holds and has not processed, for status and metrics. */
public interface InboxBacklog {
    /** Deliveries waiting (pending) or claimed (processing), and the age of the oldest of them. */
    record Backlog(long pending, long processing, Long oldestSeconds) {
        public long unprocessed() {
            return pending + processing;
        }
    }

    /** Served by the partial index on unprocessed deliveries: cheap enough for every scrape. */
    Backlog backlog();

    /** Deliveries that ran out of attempts; a scan of the inbox, for the status page. */
    long failedDeliveries();
}
