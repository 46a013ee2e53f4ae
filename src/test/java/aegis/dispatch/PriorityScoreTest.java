package aegis.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class PriorityScoreTest {
    private static final Instant NOW = Instant.parse("2025-06-10T12:00:00Z");

    private static int score(LocalDate dueOn, Instant dueAt, String text, BigDecimal number, Instant created) {
        return PriorityScore.score(new PriorityScore.Facts(dueOn, dueAt, text, number, created), NOW);
    }

    @Test
    void nothingKnownScoresZero() {
        assertThat(score(null, null, null, null, null)).isZero();
    }

    @Test
    void dueBandsArePinned() {
        assertThat(score(null, NOW.minusSeconds(1), null, null, null)).isEqualTo(1000);
        assertThat(score(null, NOW.plus(Duration.ofHours(24)), null, null, null)).isEqualTo(800);
        assertThat(score(null, NOW.plus(Duration.ofHours(25)), null, null, null)).isEqualTo(500);
        assertThat(score(null, NOW.plus(Duration.ofDays(3)), null, null, null)).isEqualTo(500);
        assertThat(score(null, NOW.plus(Duration.ofDays(7)), null, null, null)).isEqualTo(300);
        assertThat(score(null, NOW.plus(Duration.ofDays(8)), null, null, null)).isEqualTo(100);
    }

    @Test
    void aDueDateCountsAsDueAtTheEndOfThatDayUtc() {
        assertThat(score(LocalDate.parse("2025-06-10"), null, null, null, null)).isEqualTo(800);
        assertThat(score(LocalDate.parse("2025-06-09"), null, null, null, null)).isEqualTo(1000);
        assertThat(score(LocalDate.parse("2025-06-12"), null, null, null, null)).isEqualTo(500);
    }

    @Test
    void dueAtWinsOverDueOn() {
        assertThat(score(LocalDate.parse("2025-07-30"), NOW.minusSeconds(60), null, null, null)).isEqualTo(1000);
    }

    @Test
    void priorityFieldTextAndNumber() {
        assertThat(score(null, null, "Urgent", null, null)).isEqualTo(300);
        assertThat(score(null, null, " high ", null, null)).isEqualTo(200);
        assertThat(score(null, null, "Medium", null, null)).isEqualTo(100);
        assertThat(score(null, null, "Low", null, null)).isZero();
        assertThat(score(null, null, "whatever", null, null)).isZero();
        assertThat(score(null, null, "Low", new BigDecimal("2"), null)).isEqualTo(200);
        assertThat(score(null, null, null, new BigDecimal("9"), null)).isEqualTo(300);
        assertThat(score(null, null, null, new BigDecimal("-4"), null)).isZero();
    }

    @Test
    void ageAddsAPointPerHourUpToAHundred() {
        assertThat(score(null, null, null, null, NOW.minus(Duration.ofMinutes(59)))).isZero();
        assertThat(score(null, null, null, null, NOW.minus(Duration.ofHours(5)))).isEqualTo(5);
        assertThat(score(null, null, null, null, NOW.minus(Duration.ofDays(30)))).isEqualTo(100);
        assertThat(score(null, null, null, null, NOW.plus(Duration.ofHours(5)))).isZero();
    }

    @Test
    void aDueDateOutranksAnyPriorityAndAge() {
        int urgentOldUndated = score(null, null, "urgent", null, NOW.minus(Duration.ofDays(90)));
        int dueTomorrow = score(null, NOW.plus(Duration.ofHours(20)), null, null, NOW);
        assertThat(dueTomorrow).isGreaterThan(urgentOldUndated);
    }
}
