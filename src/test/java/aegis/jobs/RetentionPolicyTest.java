package aegis.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.config.ConfigException;
import aegis.config.Settings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetentionPolicyTest {
    @Test
    void maxRunTakesADurationOrDefaultsToTenMinutes() {
        assertThat(RetentionPolicy.from(Settings.of(Map.of())).maxRun()).isEqualTo(Duration.ofMinutes(10));
        assertThat(RetentionPolicy.from(Settings.of(Map.of("AEGIS_ARCHIVE_MAX_RUN", "2m"))).maxRun())
                .isEqualTo(Duration.ofMinutes(2));
        assertThat(RetentionPolicy.from(Settings.of(Map.of("AEGIS_ARCHIVE_MAX_RUN", "PT30S"))).maxRun())
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aCronExpressionForMaxRunIsRefusedByName() {
        assertThatThrownBy(() -> RetentionPolicy.from(Settings.of(Map.of("AEGIS_ARCHIVE_MAX_RUN", "0 0 3 * * ?"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("AEGIS_ARCHIVE_MAX_RUN: must be a duration")
                .hasMessageContaining("cron")
                .hasMessageContaining("'0 0 3 * * ?'");
    }

    @Test
    void nonsenseOrTooShortMaxRunIsRefusedAsADuration() {
        assertThatThrownBy(() -> RetentionPolicy.from(Settings.of(Map.of("AEGIS_ARCHIVE_MAX_RUN", "soon"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("AEGIS_ARCHIVE_MAX_RUN: must be a duration")
                .hasMessageNotContaining("cron");
        assertThatThrownBy(() -> RetentionPolicy.from(Settings.of(Map.of("AEGIS_ARCHIVE_MAX_RUN", "10ms"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("at least 100ms");
    }
}
