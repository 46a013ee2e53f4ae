package aegis.sync;

/**
 * A change to a tracked task that dispatch must act on. The sync engine publishes these
 * in process (Micronaut's ApplicationEventPublisher) after the change is committed to
 * the database; dispatch listens. Signals are hints: dispatch also reconciles from the
 * database, so a signal lost in a crash delays work but never loses it.
 */
public sealed interface TaskSignal {
    long taskId();

    String taskGid();

    /** The task became assigned to the bot (open, not deleted). {@code byUserGid} may be null. */
    record AssignedToBot(long taskId, String taskGid, String byUserGid) implements TaskSignal {
    }

    /** A person (not the bot) commented on a task assigned to the bot. */
    record PersonCommented(long taskId, String taskGid, String commentGid, String authorGid) implements TaskSignal {
    }

    /**
     * A person's new comment {@code commentGid} @-mentions the bot {@code botGid}: that bot answers in
     * the thread, whoever the task is assigned to. Raised once, when the comment first enters the mirror.
     */
    record Mentioned(long taskId, String taskGid, String commentGid, String authorGid, String botGid)
            implements TaskSignal {
    }

    /**
     * A person's comment on any tracked task asks the bot to remember something
     * ({@code remember: …}); it is not a request for work, so it raises no {@link PersonCommented}.
     */
    record Remember(long taskId, String taskGid, String commentGid, String authorGid) implements TaskSignal {
        /** Whether a comment's text asks to be remembered: it starts with {@code remember:}, in any case. */
        public static boolean asks(String text) {
            return text != null && text.stripLeading().regionMatches(true, 0, "remember:", 0, 9);
        }
    }

    /** The task no longer wants the bot's work. */
    record Withdrawn(long taskId, String taskGid, Reason reason) implements TaskSignal {
    }

    enum Reason { UNASSIGNED, COMPLETED, DELETED }
}
