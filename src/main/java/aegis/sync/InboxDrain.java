package aegis.sync;

import aegis.asana.AsanaModel.Event;
import aegis.metrics.Metrics;
import aegis.webhook.Inbox;
import aegis.webhook.Inbox.Delivery;
import jakarta.inject.Singleton;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes what the inbox holds: claims due rows, applies their events together (one fetch
 * per task across all of them), and marks them processed. When a group fails, each row is
 * tried alone, so one poisoned delivery cannot hold the others back; failures are recorded
 * on the row and retried with backoff.
 */
@Singleton
public class InboxDrain {
    private static final Logger LOG = LoggerFactory.getLogger(InboxDrain.class);
    /**
     * Deliveries per claim: small enough that a batch of large deliveries (up to 1 MiB each,
     * one task fetch per task they name, under rate limits) is applied well within the
     * claim's {@link Inbox#LOCK_SECONDS}, so another instance never takes it over midway.
     */
    static final int CLAIM = 25;

    private final Inbox inbox;
    private final EventApplier applier;
    private final SyncSettings settings;
    private final Metrics metrics;
    private final EventJson deliveries;

    public InboxDrain(Inbox inbox, EventApplier applier, aegis.config.Settings settings, Metrics metrics,
                      ObjectMapper json) {
        this.inbox = inbox;
        this.applier = applier;
        this.settings = SyncSettings.read(settings);
        this.metrics = metrics;
        this.deliveries = new EventJson(json);
    }

    /** Drains until nothing is due; answers the rows handled. */
    public int drain() {
        int total = 0;
        while (true) {
            List<Delivery> claimed = inbox.claim(CLAIM, settings.inboxMaxAttempts());
            if (claimed.isEmpty()) {
                return total;
            }
            total += claimed.size();
            process(claimed);
        }
    }

    /**
     * Applies the claimed deliveries together, one by one only if that fails, each parsed once.
     * Only applying is retried this way: a failure to mark them processed leaves their claims to
     * expire (the work is idempotent), rather than fetching everything from Asana again now.
     */
    private void process(List<Delivery> claimed) {
        List<Delivery> parsedOk = new ArrayList<>();
        List<List<Event>> parsed = new ArrayList<>();
        for (Delivery d : claimed) {
            try {
                parsed.add(deliveries.parse(d.payload()));
                parsedOk.add(d);
            } catch (RuntimeException unreadable) {
                fail(d, unreadable);
            }
        }
        if (parsedOk.isEmpty()) {
            return;
        }
        try {
            applier.apply(parsed.stream().flatMap(List::stream).toList());
        } catch (RuntimeException groupFailure) {
            if (parsedOk.size() == 1) {
                fail(parsedOk.get(0), groupFailure);
                return;
            }
            for (int i = 0; i < parsedOk.size(); i++) {
                try {
                    applier.apply(parsed.get(i));
                } catch (RuntimeException e) {
                    fail(parsedOk.get(i), e);
                    continue;
                }
                markQuietly(List.of(parsedOk.get(i)));
            }
            return;
        }
        markQuietly(parsedOk);
    }

    private void markQuietly(List<Delivery> done) {
        try {
            metrics.inboxProcessed(marked(done));
        } catch (RuntimeException dbDown) {
            // Applied but not marked: the claims expire and the rows are applied again later (idempotent).
            LOG.warn("event=inbox_mark_unrecorded rows={} error={}", done.size(), dbDown.getClass().getSimpleName());
        }
    }

    /** Marks them processed; those whose claim expired meanwhile belong to another worker now. */
    private int marked(List<Delivery> done) {
        int n = inbox.processed(done);
        if (n < done.size()) {
            LOG.warn("event=inbox_claim_lost rows={}", done.size() - n);
        }
        return n;
    }

    private void fail(Delivery d, RuntimeException e) {
        metrics.inboxFailure();
        String error = e.getClass().getSimpleName() + ": " + e.getMessage();
        LOG.warn("event=inbox_row_failed id={} attempt={} error=\"{}\"", d.id(), d.attempts() + 1,
                error.replace('"', '\''));
        try {
            if (!inbox.failed(d, error, settings.inboxMaxAttempts())) {
                LOG.warn("event=inbox_claim_lost id={}", d.id());
            }
        } catch (RuntimeException dbDown) {
            // The claim expires and the row is retried later; nothing is lost.
            LOG.warn("event=inbox_fail_unrecorded id={} error={}", d.id(), dbDown.getClass().getSimpleName());
        }
    }
}
