package aegis.sync;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.sync.TaskStore.Change;
import aegis.sync.TaskStore.NewComment;
import aegis.sync.TaskStore.State;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SignalsTest {
    static final String BOT = "100";

    private static Change ch(State before, State after) {
        return new Change(1, "t1", before, after);
    }

    @Test
    void assignmentToTheBotOfANewOrExistingTask() {
        assertThat(Signals.of(Set.of(BOT), List.of(ch(null, new State(BOT, false, false))), List.of(), Map.of("t1", "9"),
                Set.of())).containsExactly(new TaskSignal.AssignedToBot(1, "t1", "9"));
        assertThat(Signals.of(Set.of(BOT), List.of(ch(new State("9", false, false), new State(BOT, false, false))),
                List.of(), Map.of(), Set.of())).containsExactly(new TaskSignal.AssignedToBot(1, "t1", null));
        // Already the bot's: an edit raises nothing; a completed task assigned to the bot wants no work.
        assertThat(Signals.of(Set.of(BOT), List.of(ch(new State(BOT, false, false), new State(BOT, false, false))),
                List.of(), Map.of(), Set.of())).isEmpty();
        assertThat(Signals.of(Set.of(BOT), List.of(ch(null, new State(BOT, true, false))), List.of(), Map.of(), Set.of()))
                .isEmpty();
    }

    @Test
    void withdrawalsSayWhy() {
        State bot = new State(BOT, false, false);
        assertThat(Signals.of(Set.of(BOT), List.of(ch(bot, new State("9", false, false)), ch(bot, new State(null, false, false)),
                        ch(bot, new State(BOT, true, false)), ch(bot, new State(BOT, false, true))), List.of(), Map.of(),
                Set.of())).extracting(s -> ((TaskSignal.Withdrawn) s).reason()).containsExactly(
                TaskSignal.Reason.UNASSIGNED, TaskSignal.Reason.UNASSIGNED, TaskSignal.Reason.COMPLETED,
                TaskSignal.Reason.DELETED);
        assertThat(Signals.of(Set.of(BOT), List.of(ch(new State("9", false, false), new State("9", true, false))), List.of(),
                Map.of(), Set.of())).isEmpty();
    }

    @Test
    void onlyNewCommentsOfPeopleOnTasksAlreadyTheBotsAreNews() {
        List<NewComment> comments = List.of(new NewComment(1, "t1", "c1", "9", false),
                new NewComment(1, "t1", "c2", BOT, true), new NewComment(2, "t2", "c3", "9", false));
        assertThat(Signals.of(Set.of(BOT), List.of(), comments, Map.of(), Set.of("t1")))
                .containsExactly(new TaskSignal.PersonCommented(1, "t1", "c1", "9"));
    }

    private static String mention(String... gids) {
        StringBuilder b = new StringBuilder("<body>");
        for (String g : gids) {
            b.append("<a href=\"https://app.asana.com/0/profile/").append(g).append("\" data-asana-gid=\"").append(g)
                    .append("\" data-asana-type=\"user\">@someone</a> ");
        }
        return b.append("have a look</body>").toString();
    }

    @Test
    void aPersonsCommentMentioningABotCallsThatBotOnAnyTask() {
        String other = "200";
        Set<String> bots = Set.of(BOT, other);
        List<NewComment> comments = List.of(
                // A person on a task that is nobody's bot work: each mentioned bot, people mentioned ignored.
                new NewComment(2, "t2", "c1", "9", false, mention(BOT, "9", other), java.time.Instant.now()),
                // A bot's own comment that mentions another bot: nothing.
                new NewComment(2, "t2", "c2", other, true, mention(BOT), null),
                // Plain text that looks like a mention is not one.
                new NewComment(2, "t2", "c3", "9", false, "<body>data-asana-gid=\"100\"</body>", null),
                // An old comment read with a thread for the first time was asked long ago.
                new NewComment(2, "t2", "c4", "9", false, mention(BOT), java.time.Instant.now().minusSeconds(3 * 86400)));
        assertThat(Signals.of(bots, List.of(), comments, Map.of(), Set.of())).containsExactly(
                new TaskSignal.Mentioned(2, "t2", "c1", "9", BOT), new TaskSignal.Mentioned(2, "t2", "c1", "9", other));
    }

    @Test
    void aPersonsRememberCommentOnAnyTaskAsksForAMemoryNotForWork() {
        List<NewComment> comments = List.of(new NewComment(1, "t1", "c1", "9", false, true),
                new NewComment(2, "t2", "c2", "9", false, true), new NewComment(1, "t1", "c3", BOT, true, true));
        assertThat(Signals.of(Set.of(BOT), List.of(), comments, Map.of(), Set.of("t1"))).containsExactly(
                new TaskSignal.Remember(1, "t1", "c1", "9"), new TaskSignal.Remember(2, "t2", "c2", "9"));
    }

    @Test
    void aRememberCommentStartsWithRememberColonInAnyCase() {
        assertThat(TaskSignal.Remember.asks("remember: our release day is Thursday")).isTrue();
        assertThat(TaskSignal.Remember.asks("  REMEMBER:x")).isTrue();
        assertThat(TaskSignal.Remember.asks("Please remember: this")).isFalse();
        assertThat(TaskSignal.Remember.asks("remember this")).isFalse();
        assertThat(TaskSignal.Remember.asks(null)).isFalse();
    }
}
