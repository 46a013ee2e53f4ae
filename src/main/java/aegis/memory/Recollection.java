package aegis.memory;

import java.time.Instant;

/**
 * One thing recalled for a task: a fact a person asked the bot to remember, or an earlier
 * answer (with the name of the task it answered as {@code title}).
 */
public record Recollection(long id, Kind kind, String title, String body, String authorName, Instant createdAt) {

    public enum Kind {
        REMEMBERED("remembered"), ANSWER("answer");

        /** As stored in {@code memories.kind}. */
        public final String stored;

        Kind(String stored) {
            this.stored = stored;
        }

        static Kind of(String stored) {
            return stored.equals(ANSWER.stored) ? ANSWER : REMEMBERED;
        }
    }
}
