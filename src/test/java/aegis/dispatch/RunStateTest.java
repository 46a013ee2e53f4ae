package aegis.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class RunStateTest {
    private static Run run() {
        Execution e = new Execution(1, 2, "g", "initial", "echo", 1, 3, null, null, null, null, null, 0, "me:1", 7L,
                Instant.now());
        return new Run(new Claimed(e, System.nanoTime()), new Slot(7L, "echo"), Thread.currentThread(),
                Instant.now().plusSeconds(60));
    }

    @Test
    void theFirstReasonToStopWinsAndCancelledAndLostAreFinal() {
        Run r = run();
        assertThat(r.become(RunState.LOST)).isTrue();
        assertThat(r.become(RunState.CANCELLED)).isFalse();
        assertThat(r.become(RunState.STOPPING)).isFalse();
        assertThat(r.become(RunState.SETTLED)).isFalse();
        assertThat(r.state()).isEqualTo(RunState.LOST);
        assertThat(r.state().gone()).isTrue();
        assertThat(Thread.interrupted()).as("a stop interrupts the worker").isTrue();
    }

    @Test
    void aTimedOutRunIsRecordedAsSuchEvenWhenTheDaemonStops() {
        Run r = run();
        assertThat(r.become(RunState.TIMED_OUT)).isTrue();
        Thread.interrupted();
        assertThat(r.become(RunState.STOPPING)).isFalse();
        assertThat(r.state().renewsLease()).as("its lease is kept until the outcome is recorded").isTrue();
        assertThat(r.become(RunState.SETTLED)).isTrue();
        assertThat(Thread.interrupted()).as("settling interrupts nobody").isFalse();
        assertThat(r.state().renewsLease()).isFalse();
    }

    @Test
    void aPausedRunKeepsItsLeaseUntilItsAgentStopsAndNothingElseTakesOver() {
        Run r = run();
        assertThat(r.become(RunState.PAUSED)).isTrue();
        assertThat(Thread.interrupted()).as("the pause interrupts the agent").isTrue();
        assertThat(r.state().renewsLease()).as("no other instance starts it while its agent dies").isTrue();
        assertThat(r.state().gone()).as("it is still this worker's to hand back").isFalse();
        assertThat(r.become(RunState.TIMED_OUT)).isFalse();
        assertThat(r.become(RunState.STOPPING)).isFalse();
        assertThat(r.become(RunState.LOST)).isFalse();
        assertThat(r.state()).isEqualTo(RunState.PAUSED);
    }

    @Test
    void aSettledRunIsLeftToWriteItsEnding() {
        Run r = run();
        assertThat(r.become(RunState.SETTLED)).isTrue();
        assertThat(r.become(RunState.TIMED_OUT)).as("the time limit is the agent's, not the report's").isFalse();
        assertThat(r.become(RunState.STOPPING)).isFalse();
        assertThat(r.become(RunState.CANCELLED)).isFalse();
        assertThat(Thread.interrupted()).as("nothing interrupts the ending statement").isFalse();
    }

    @Test
    void aStopMeantForAnEndedRunNeverReachesTheThreadsNextRun() {
        Run first = run();
        first.end();
        Run next = run();
        assertThat(first.become(RunState.LOST)).as("a late renewal result for the first run").isFalse();
        assertThat(first.become(RunState.CANCELLED)).isFalse();
        assertThat(Thread.interrupted()).as("the thread, now in the next run, is not interrupted").isFalse();
        assertThat(next.state()).isEqualTo(RunState.RUNNING);
    }
}
