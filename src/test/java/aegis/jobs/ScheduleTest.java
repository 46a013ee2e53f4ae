package aegis.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.config.ConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.quartz.CronTrigger;
import org.quartz.JobKey;
import org.quartz.SimpleTrigger;
import org.quartz.Trigger;
import org.quartz.TriggerKey;

class ScheduleTest {
    @Test
    void parsesPeriodsAndCron() {
        assertThat(Schedule.parse("S", "PT30S")).isEqualTo(new Schedule.Every(Duration.ofSeconds(30)));
        assertThat(Schedule.parse("S", "30s")).isEqualTo(new Schedule.Every(Duration.ofSeconds(30)));
        assertThat(Schedule.parse("S", "5m")).isEqualTo(new Schedule.Every(Duration.ofMinutes(5)));
        assertThat(Schedule.parse("S", "1h")).isEqualTo(new Schedule.Every(Duration.ofHours(1)));
        assertThat(Schedule.parse("S", "2d")).isEqualTo(new Schedule.Every(Duration.ofDays(2)));
        assertThat(Schedule.parse("S", "500ms")).isEqualTo(new Schedule.Every(Duration.ofMillis(500)));
        assertThat(Schedule.parse("S", "0 0 3 * * ?")).isEqualTo(new Schedule.Cron("0 0 3 * * ?"));
    }

    @Test
    void rejectsNonsenseNamingTheSetting() {
        assertThatThrownBy(() -> Schedule.parse("AEGIS_SCHEDULE_X", "soon"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("AEGIS_SCHEDULE_X: must be a duration")
                .hasMessageContaining("or a Quartz cron expression");
        assertThatThrownBy(() -> Schedule.parse("AEGIS_SCHEDULE_X", "0 0 3 * * ? * extra"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cron");
        assertThatThrownBy(() -> Schedule.parse("AEGIS_SCHEDULE_X", "10ms"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("at least 100ms");
    }

    @Test
    void settingNameFollowsTheTaskName() {
        assertThat(Schedule.settingName("events-poll")).isEqualTo("AEGIS_SCHEDULE_EVENTS_POLL");
    }

    @Test
    void missedPeriodsRunOnceNotInABurst() {
        Trigger simple = ClusteredScheduler.trigger(new TriggerKey("t"), new JobKey("t"),
                new Schedule.Every(Duration.ofMinutes(1)));
        assertThat(simple.getMisfireInstruction())
                .isEqualTo(SimpleTrigger.MISFIRE_INSTRUCTION_RESCHEDULE_NOW_WITH_EXISTING_REPEAT_COUNT);
        Trigger cron = ClusteredScheduler.trigger(new TriggerKey("t"), new JobKey("t"),
                new Schedule.Cron("0 0 3 * * ?"));
        assertThat(cron.getMisfireInstruction()).isEqualTo(CronTrigger.MISFIRE_INSTRUCTION_FIRE_ONCE_NOW);
        assertThat(ClusteredScheduler.matches(simple, new Schedule.Every(Duration.ofMinutes(1)))).isTrue();
        assertThat(ClusteredScheduler.matches(simple, new Schedule.Every(Duration.ofMinutes(2)))).isFalse();
        assertThat(ClusteredScheduler.matches(cron, new Schedule.Every(Duration.ofMinutes(1)))).isFalse();
    }
}
