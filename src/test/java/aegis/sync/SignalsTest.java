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
        assertThat(Signals.of(BOT, List.of(ch(null, new State(BOT, false, false))), List.of(), Map.of("t1", "9"),
                Set.of())).containsExactly(new TaskSignal.AssignedToBot(1, "t1", "9"));
        assertThat(Signals.of(BOT, List.of(ch(new State("9", false, false), new State(BOT, false, false))),
                List.of(), Map.of(), Set.of())).containsExactly(new TaskSignal.AssignedToBot(1, "t1", null));
        // Already the bot's: an edit raises nothing; a completed task assigned to the bot wants no work.
        assertThat(Signals.of(BOT, List.of(ch(new State(BOT, false, false), new State(BOT, false, false))),
                List.of(), Map.of(), Set.of())).isEmpty();
        assertThat(Signals.of(BOT, List.of(ch(null, new State(BOT, true, false))), List.of(), Map.of(), Set.of()))
                .isEmpty();
    }

    @Test
    void withdrawalsSayWhy() {
        State bot = new State(BOT, false, false);
        assertThat(Signals.of(BOT, List.of(ch(bot, new State("9", false, false)), ch(bot, new State(null, false, false)),
                        ch(bot, new State(BOT, true, false)), ch(bot, new State(BOT, false, true))), List.of(), Map.of(),
                Set.of())).extracting(s -> ((TaskSignal.Withdrawn) s).reason()).containsExactly(
                TaskSignal.Reason.UNASSIGNED, TaskSignal.Reason.UNASSIGNED, TaskSignal.Reason.COMPLETED,
                TaskSignal.Reason.DELETED);
        assertThat(Signals.of(BOT, List.of(ch(new State("9", false, false), new State("9", true, false))), List.of(),
                Map.of(), Set.of())).isEmpty();
    }

    @Test
    void onlyNewCommentsOfPeopleOnTasksAlreadyTheBotsAreNews() {
        List<NewComment> comments = List.of(new NewComment(1, "t1", "c1", "9", false),
                new NewComment(1, "t1", "c2", BOT, true), new NewComment(2, "t2", "c3", "9", false));
        assertThat(Signals.of(BOT, List.of(), comments, Map.of(), Set.of("t1")))
                .containsExactly(new TaskSignal.PersonCommented(1, "t1", "c1", "9"));
    }

    @Test
    void aPersonsRememberCommentOnAnyTaskAsksForAMemoryNotForWork() {
        List<NewComment> comments = List.of(new NewComment(1, "t1", "c1", "9", false, true),
                new NewComment(2, "t2", "c2", "9", false, true), new NewComment(1, "t1", "c3", BOT, true, true));
        assertThat(Signals.of(BOT, List.of(), comments, Map.of(), Set.of("t1"))).containsExactly(
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
