package aegis.dispatch;

import aegis.asana.AsanaClient;
import aegis.asana.Bots;
import java.util.function.Function;
import aegis.asana.AsanaModel;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The living progress comment of each running attempt: posted once the run has gone on for
 * {@code AEGIS_PROGRESS_INTERVAL_SECONDS} (a shorter run posts none), edited ({@code PUT
 * /stories/{gid}}) at most that often and only when its text changed, and turned into one final
 * line when the run ends. All of it happens on one thread of its own through the one Asana client
 * (so it is rate-limited with everything else): a worker never waits for it. A failed post or edit
 * is logged and tried again at the next tick only; after {@link #MAX_FAILURES} in a row the
 * comment is left as it is.
 */
@Singleton
public final class ProgressComments {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressComments.class);
    static final int MAX_FAILURES = 3;

    /** Each bot's client, by name: a bot's progress comment is its own, like its answer. */
    private final Function<String, AsanaClient> clients;
    private final ProgressSettings settings;
    private final ScheduledExecutorService thread;

    @jakarta.inject.Inject
    public ProgressComments(Bots bots, ProgressSettings settings) {
        this(bots == null ? name -> null : bots::clientOf, settings);
    }

    /** One client for every bot (tests). */
    ProgressComments(AsanaClient asana, ProgressSettings settings) {
        this(name -> asana, settings);
    }

    private ProgressComments(Function<String, AsanaClient> clients, ProgressSettings settings) {
        this.clients = clients;
        this.settings = settings;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "aegis-progress");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        this.thread = t;
    }

    /** Progress comments off (and no Asana to post them to): trackers only collect. */
    static ProgressComments off() {
        return new ProgressComments((AsanaClient) null, new ProgressSettings(false, java.time.Duration.ofSeconds(15)));
    }

    /** The marker of a progress comment: distinct from the answer's, which must not be found in it. */
    static String marker(long executionId) {
        return "— Aegis · progress of run " + executionId;
    }

    /** Starts following an attempt; with progress comments off, the tracker only collects. */
    RunProgress begin(Execution e) {
        RunProgress p = new RunProgress(e.id(), e.taskGid(), e.bot());
        if (settings.enabled()) {
            long every = settings.interval().toMillis();
            p.ticks = thread.scheduleWithFixedDelay(() -> tick(p), every, every, TimeUnit.MILLISECONDS);
        }
        return p;
    }

    /** The attempt ended: no more ticks; a posted comment becomes its final line. */
    void end(RunProgress p, String finalLine) {
        p.markEnded();
        if (p.ticks == null) {
            return;
        }
        p.ticks.cancel(false);
        try {
            // Queued behind a tick already running on the same thread: a post in flight lands first.
            thread.execute(() -> finish(p, finalLine));
        } catch (RuntimeException rejected) {
            LOG.warn("event=progress_final_skipped execution={} reason=shutting_down", p.executionId);
        }
    }

    private void tick(RunProgress p) {
        if (p.ended() || p.failures >= MAX_FAILURES) {
            return;
        }
        String text = ProgressText.working(p.elapsed(), p.usage(), p.steps());
        if (text.equals(p.lastText)) {
            return;
        }
        try {
            if (p.storyGid == null) {
                AsanaModel.Story s = client(p).postComment(p.taskGid, text,
                        marker(p.executionId), false);
                p.storyGid = s.gid();
                LOG.info("event=progress_posted execution={} story={}", p.executionId, s.gid());
            } else {
                client(p).updateStory(p.storyGid, text + "\n\n" + marker(p.executionId));
                p.edits++;
            }
            p.lastText = text;
            p.failures = 0;
        } catch (RuntimeException ex) {
            failed(p, ex);
        }
    }

    private void finish(RunProgress p, String finalLine) {
        if (p.storyGid == null) {
            return;
        }
        try {
            client(p).updateStory(p.storyGid, finalLine);
            p.edits++;
        } catch (RuntimeException ex) {
            LOG.warn("event=progress_final_failed execution={} story={} error={}", p.executionId, p.storyGid,
                    ex.getMessage());
            return;
        }
        LOG.info("event=progress_finished execution={} story={} edits={} seconds={}", p.executionId, p.storyGid,
                p.edits, p.elapsed().toSeconds());
    }

    private AsanaClient client(RunProgress p) {
        return clients.apply(p.bot).forExecution(p.executionId);
    }

    private void failed(RunProgress p, RuntimeException ex) {
        p.failures++;
        LOG.warn("event=progress_update_failed execution={} failures={} error={}", p.executionId, p.failures,
                ex.getMessage());
        if (p.failures >= MAX_FAILURES && p.ticks != null) {
            p.ticks.cancel(false);
        }
    }

    @PreDestroy
    public void close() {
        thread.shutdown();
        try {
            // Final lines already queued get a moment; a stuck Asana does not hold up the stop.
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.shutdownNow();
    }
}
