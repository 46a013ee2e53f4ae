package aegis.dispatch;

import aegis.asana.AsanaClient;
import aegis.asana.AsanaException;
import aegis.asana.AsanaModel;
import aegis.jobs.PeriodicTask;
import aegis.memory.MemoryStore;
import aegis.memory.MemoryStore.Remembered;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A person's {@code remember: …} comment: the fact is stored as a project memory and the bot
 * confirms it with one short reply. Exactly once: only the call that stores the comment's
 * memory replies (a duplicated delivery stores nothing and says nothing), and the reply ends
 * with the memory's marker, so a reply retried after a crash is found rather than posted again.
 * As a periodic task it posts the replies a crash left owed.
 */
@Singleton
public class MemoryReplies implements PeriodicTask {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryReplies.class);
    /** A confirmation owed this long was not just being posted by the signal's own call. */
    static final Duration OWED_AFTER = Duration.ofMinutes(2);
    private static final int BATCH = 100;
    /** Stored as the reply when Asana refuses it for good (task gone, no access): nothing is owed. */
    static final String NO_REPLY = "";

    private final MemoryStore memories;
    private final AsanaClient asana;

    public MemoryReplies(MemoryStore memories, AsanaClient asana) {
        this.memories = memories;
        this.asana = asana;
    }

    @Override
    public String name() {
        return "memory-replies";
    }

    @Override
    public Duration defaultPeriod() {
        return Duration.ofMinutes(1);
    }

    @Override
    public void run() {
        List<Remembered> owed = memories.unconfirmed(OWED_AFTER, BATCH);
        for (Remembered m : owed) {
            confirm(m, true);
        }
    }

    /** The comment {@code commentGid} asks to remember something: store it and, the first time, confirm it. */
    public Optional<Long> remember(String commentGid) {
        Optional<Remembered> stored = memories.rememberComment(commentGid);
        stored.ifPresent(m -> {
            LOG.info("event=memory_stored memory={} task={} comment={}", m.id(), m.taskGid(), commentGid);
            confirm(m, false);
        });
        return stored.map(Remembered::id);
    }

    private void confirm(Remembered m, boolean lookFirst) {
        String text = "Remembered for " + (m.projectName() == null ? "this project" : m.projectName()) + ": "
                + m.text() + "\n\n" + m.marker();
        try {
            AsanaModel.Story story = asana.postComment(m.taskGid(), text, m.marker(), lookFirst);
            memories.confirmed(m.id(), story.gid());
        } catch (AsanaException e) {
            if (e.refusedForGood()) {
                LOG.warn("event=memory_reply_refused memory={} task={} status={}", m.id(), m.taskGid(), e.status());
                memories.confirmed(m.id(), NO_REPLY);
            } else {
                // Owed: the periodic run tries again, looking for the reply first.
                LOG.warn("event=memory_reply_failed memory={} task={} error={}", m.id(), m.taskGid(), e.getMessage());
            }
        }
    }
}
