package aegis.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.agent.Usage;
import aegis.config.ConfigException;
import aegis.config.Settings;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The progress comment's words, the steps it keeps, and its two settings. */
class ProgressTextTest {

    @Test
    void theFinalLineSaysHowLongWhatItCostAndWhereTheAnswerIs() {
        assertThat(ProgressText.finished(Duration.ofSeconds(192), new Usage(40_000, 1_200, new BigDecimal("0.2071")),
                "answer below")).isEqualTo("Finished in 3 m 12 s · 41k tokens · $0.21 — answer below");
        assertThat(ProgressText.finished(Duration.ofMillis(40_400), Usage.NONE, "question below"))
                .isEqualTo("Finished in 40 s — question below");
        assertThat(ProgressText.finished(Duration.ofSeconds(75), Usage.NONE, null))
                .isEqualTo("Stopped after 1 m 15 s — the run did not finish");
        assertThat(ProgressText.duration(Duration.ofMinutes(135))).isEqualTo("2 h 15 m");
        assertThat(ProgressText.tokens(2_345_678)).isEqualTo("2.3M");
    }

    @Test
    void whileWorkingItShowsTheLastFiveStepsOneALine() {
        RunProgress p = new RunProgress(1, "2");
        for (int i = 1; i <= 7; i++) {
            p.step("Ran   step\n" + i);
        }
        assertThat(p.steps()).containsExactly("Ran step 3", "Ran step 4", "Ran step 5", "Ran step 6", "Ran step 7");
        assertThat(ProgressText.working(Duration.ofSeconds(45), new Usage(900, 100, BigDecimal.ZERO),
                List.of("Read src/App.java", "Ran mvn test")))
                .isEqualTo("Working on it… 45 s so far · 1k tokens\n• Read src/App.java\n• Ran mvn test");
    }

    @Test
    void settingsDefaultToACommentEveryFifteenSecondsAndRefuseOtherModes() {
        assertThat(ProgressSettings.from(Settings.of(Map.of())))
                .isEqualTo(new ProgressSettings(true, Duration.ofSeconds(15)));
        assertThat(ProgressSettings.from(Settings.of(Map.of("AEGIS_PROGRESS", "none",
                "AEGIS_PROGRESS_INTERVAL_SECONDS", "30")))).isEqualTo(new ProgressSettings(false, Duration.ofSeconds(30)));
        assertThatThrownBy(() -> ProgressSettings.from(Settings.of(Map.of("AEGIS_PROGRESS", "chat"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("AEGIS_PROGRESS");
    }
}
