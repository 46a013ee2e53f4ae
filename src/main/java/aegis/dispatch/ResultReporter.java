package aegis.dispatch;

import java.time.Instant;

/** Tells the person in Asana how an execution ended. */
public interface ResultReporter {

    /** What to say. */
    sealed interface Answer {
        record Done(String result) implements Answer {
        }

        record Question(String question) implements Answer {
        }

        /** Given up: {@code attempts} made; {@code timedOut} when the last one ran out of time. */
        record Failed(String reason, int attempts, boolean timedOut) implements Answer {
        }

        /** A person refused the approval this execution waited for: the reply, and nothing done. */
        record Declined(String reply) implements Answer {
        }
    }

    /**
     * Posts the final answer (with the execution's marker, so never twice) and applies what
     * follows it: completion or section move, or reassignment for a question. With
     * {@code lookFirst} an earlier attempt may have posted it already. Returns the story gid.
     */
    String answer(Execution execution, Answer answer, boolean lookFirst);

    /** A transient failure that will be retried at {@code at}. */
    void retrying(Execution execution, String reason, Instant at);

    /**
     * Asks a person something the execution waits on (an approval), ending the comment with
     * {@code marker} so that it is never posted twice ({@code lookFirst}: an earlier attempt may
     * have posted it). Returns the story gid. Reporters that never ask need not implement it.
     */
    default String ask(Execution execution, String marker, String text, boolean lookFirst) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not ask for approvals");
    }

    /**
     * The execution waits for a spending cap: {@code notice} says which and until when. Posted
     * once per execution (its own marker, looked for first), however often it is held again.
     */
    default void held(Execution execution, String notice) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot post budget notices");
    }
}
