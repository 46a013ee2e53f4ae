package aegis.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.config.ConfigException;
import aegis.config.Settings;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BudgetSettingsTest {
    @Test
    void yamlCapsAndTheDailyShortcut() {
        List<BudgetCap> caps = BudgetSettings.from(Settings.of(Map.of(
                "budgets", List.of(Map.of("scope", "global", "period", "day", "usd", 5.0, "tokens", 2000000),
                        Map.of("scope", "project:1200", "period", "month", "usd", "40")),
                BudgetSettings.DAILY_USD, "3.50")));
        assertThat(caps).containsExactly(
                new BudgetCap(BudgetScope.GLOBAL, BudgetPeriod.DAY, new BigDecimal("3.50"), 2000000L),
                new BudgetCap(BudgetScope.project("1200"), BudgetPeriod.MONTH, new BigDecimal("40"), null));
        assertThat(BudgetSettings.from(Settings.of(Map.of()))).isEmpty();
    }

    @Test
    void badEntriesNameTheirKey() {
        assertThatThrownBy(() -> BudgetSettings.from(Settings.of(Map.of("budgets",
                List.of(Map.of("scope", "team:x", "period", "day", "usd", 1))))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("budgets[0].scope");
        assertThatThrownBy(() -> BudgetSettings.from(Settings.of(Map.of("budgets",
                List.of(Map.of("scope", "global", "period", "week", "usd", 1))))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("budgets[0].period");
        assertThatThrownBy(() -> BudgetSettings.from(Settings.of(Map.of("budgets",
                List.of(Map.of("scope", "global", "period", "day"))))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("neither usd nor tokens");
        assertThatThrownBy(() -> BudgetSettings.from(Settings.of(Map.of(BudgetSettings.DAILY_USD, "-1"))))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(BudgetSettings.DAILY_USD);
    }

    @Test
    void periodsRollOverAtMidnightAndOnTheFirstInUtc() {
        Instant t = Instant.parse("2026-11-30T23:59:59Z");
        assertThat(BudgetPeriod.DAY.start(t)).isEqualTo(Instant.parse("2026-11-30T00:00:00Z"));
        assertThat(BudgetPeriod.DAY.end(t)).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(BudgetPeriod.MONTH.start(t)).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(BudgetPeriod.MONTH.end(t)).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
    }

    @Test
    void scopesParseAndPrintTheSame() {
        for (String s : List.of("global", "project:1200000000000001", "kind:command")) {
            assertThat(BudgetScope.parse(s).toString()).isEqualTo(s);
        }
        assertThatThrownBy(() -> BudgetScope.parse("project:")).isInstanceOf(IllegalArgumentException.class);
    }
}
