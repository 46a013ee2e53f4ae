package aegis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DurationsTest {
    private static final Duration ANY = Duration.ZERO;

    @Test
    void eachUnit() {
        assertThat(Durations.parse("S", "500ms", ANY)).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("S", "30s", ANY)).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("S", "10m", ANY)).isEqualTo(Duration.ofMinutes(10));
        assertThat(Durations.parse("S", "2h", ANY)).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("S", "7d", ANY)).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void isoEightySixOOne() {
        assertThat(Durations.parse("S", "PT30S", ANY)).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("S", "PT1H30M", ANY)).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("S", "P1D", ANY)).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void caseAndSurroundingSpaceDoNotMatter() {
        assertThat(Durations.parse("S", " 30S ", ANY)).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("S", "pt5m", ANY)).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("S", "10M", ANY)).as("a unit suffix, so minutes").isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void badInputNamesTheSettingAndTheForms() {
        assertThatThrownBy(() -> Durations.parse("AEGIS_ARCHIVE_MAX_RUN", "soon", ANY))
                .isInstanceOf(ConfigException.class)
                .hasMessage("AEGIS_ARCHIVE_MAX_RUN: must be a duration such as 500ms, 30s, 10m, 2h, 7d or "
                        + "ISO-8601 PT30S; got 'soon'");
        assertThatThrownBy(() -> Durations.parse("agents.llm.timeout", "1h30m", ANY))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("agents.llm.timeout: must be a duration");
        assertThatThrownBy(() -> Durations.parse("agents.llm.timeout", "-5s", ANY))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("agents.llm.timeout: must be a duration");
        assertThatThrownBy(() -> Durations.parse("agents.llm.timeout", "", ANY))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("agents.llm.timeout: must be a duration");
    }

    @Test
    void aNumberWithoutAUnitIsRefusedWithTheFix() {
        assertThatThrownBy(() -> Durations.parse("agents.command.timeout", 120, ANY))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("agents.command.timeout: must be a duration")
                .hasMessageEndingWith("(a number needs a unit: 120s is seconds)");
    }

    @Test
    void tooShortSaysTheMinimumInTheGrammar() {
        assertThatThrownBy(() -> Durations.parse("AEGIS_SCHEDULE_X", "10ms", Duration.ofMillis(100)))
                .isInstanceOf(ConfigException.class)
                .hasMessage("AEGIS_SCHEDULE_X: must be at least 100ms, got '10ms'");
        assertThat(Durations.parse("AEGIS_SCHEDULE_X", "100ms", Duration.ofMillis(100))).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void formatWritesTheLargestWholeUnit() {
        assertThat(Durations.format(Duration.ofMillis(100))).isEqualTo("100ms");
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofMinutes(10))).isEqualTo("10m");
        assertThat(Durations.format(Duration.ofHours(2))).isEqualTo("2h");
        assertThat(Durations.format(Duration.ofDays(7))).isEqualTo("7d");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    }

    @Test
    void settingsReadDurationsInTheSameGrammar() {
        Settings s = Settings.of(Map.of("AEGIS_X", "2h", "AEGIS_BAD", "2 hours"));
        assertThat(s.duration("AEGIS_X", Duration.ofMinutes(1), ANY)).isEqualTo(Duration.ofHours(2));
        assertThat(s.duration("AEGIS_UNSET", Duration.ofMinutes(1), ANY)).isEqualTo(Duration.ofMinutes(1));
        assertThatThrownBy(() -> s.duration("AEGIS_BAD", Duration.ofMinutes(1), ANY))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("AEGIS_BAD: must be a duration");
    }
}
