package aegis.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.config.ConfigException;
import aegis.config.Settings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DispatchSettingsTest {
    @Test
    void defaults() {
        DispatchSettings s = DispatchSettings.from(Settings.of(Map.of()));
        assertThat(s.maxAttempts()).isEqualTo(3);
        assertThat(s.lease()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.renewEvery()).isEqualTo(Duration.ofSeconds(20));
        assertThat(s.workers()).isEqualTo(4);
        assertThat(s.workersFor("echo")).isEqualTo(4);
    }

    @Test
    void perKindLimitsAreBoundedByTheGlobalOne() {
        DispatchSettings s = DispatchSettings.from(Settings.of(Map.of("AEGIS_AGENT_WORKERS", "3",
                "AEGIS_AGENT_WORKERS_BY_KIND", "command=1, llm=8")));
        assertThat(s.workersFor("command")).isEqualTo(1);
        assertThat(s.workersFor("llm")).isEqualTo(3);
        assertThat(s.workersFor("echo")).isEqualTo(3);
    }

    @Test
    void zeroWorkersLeaveAKindToOtherInstances() {
        DispatchSettings s = DispatchSettings.from(Settings.of(Map.of("AEGIS_AGENT_WORKERS_BY_KIND", "command=0")));
        assertThat(s.workersFor("command")).isZero();
        assertThatThrownBy(() -> DispatchSettings.from(Settings.of(Map.of("AEGIS_AGENT_WORKERS_BY_KIND", "command=-1"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("AEGIS_AGENT_WORKERS_BY_KIND");
    }

    @Test
    void badValuesNameTheSetting() {
        assertThatThrownBy(() -> DispatchSettings.from(Settings.of(Map.of("AEGIS_AGENT_WORKERS_BY_KIND", "command"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("AEGIS_AGENT_WORKERS_BY_KIND");
        assertThatThrownBy(() -> DispatchSettings.from(Settings.of(Map.of("AEGIS_DISPATCH_LEASE_SECONDS", "10",
                "AEGIS_DISPATCH_RENEW_SECONDS", "10"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("AEGIS_DISPATCH_RENEW_SECONDS");
    }
}
