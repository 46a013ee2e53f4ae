package aegis.dispatch;

import aegis.agent.Usage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

/**
 * What one running attempt has reported so far for its progress comment: the last few steps,
 * tokens and cost, how long it has run, and how it ended. Written by the worker (through the
 * agent's context), read by the progress thread; the story's gid and the edit bookkeeping are
 * the progress thread's alone.
 */
final class RunProgress {
    static final int STEPS_SHOWN = 5;

    final long executionId;
    final String taskGid;
    private final long startNanos = System.nanoTime();
    private final ArrayDeque<String> steps = new ArrayDeque<>();
    private Usage usage = Usage.NONE;
    /** Null until the agent came to an outcome: the run was stopped before it. */
    private String ending;
    private volatile boolean ended;

    // The progress thread's own.
    ScheduledFuture<?> ticks;
    String storyGid;
    String lastText;
    int failures;
    int edits;

    /** The bot whose comment this is: its client posts and edits it. */
    final String bot;

    RunProgress(long executionId, String taskGid) {
        this(executionId, taskGid, aegis.config.BotSettings.MAIN);
    }

    RunProgress(long executionId, String taskGid, String bot) {
        this.executionId = executionId;
        this.taskGid = taskGid;
        this.bot = bot;
    }

    synchronized void step(String what) {
        if (what == null || what.isBlank()) {
            return;
        }
        String line = what.strip().replaceAll("\\s+", " ");
        steps.addLast(line.length() > 120 ? line.substring(0, 119) + "…" : line);
        while (steps.size() > STEPS_SHOWN) {
            steps.removeFirst();
        }
    }

    synchronized void usage(Usage u) {
        if (u != null) {
            usage = u;
        }
    }

    /** What the final line says follows it ("answer below", "question below", …). */
    synchronized void ending(String what) {
        ending = what;
    }

    synchronized String ending() {
        return ending;
    }

    synchronized List<String> steps() {
        return List.copyOf(steps);
    }

    synchronized Usage usage() {
        return usage;
    }

    Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    void markEnded() {
        ended = true;
    }

    boolean ended() {
        return ended;
    }
}
