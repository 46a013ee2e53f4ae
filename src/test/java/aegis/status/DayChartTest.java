package aegis.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chart's geometry: each panel scaled to its own largest day, bars on their baselines. */
class DayChartTest {
    private static final LocalDate D = LocalDate.of(2026, 11, 28);

    @Test
    void barsScaleToTheLargestDay() {
        DayChart chart = new DayChart(List.of(new DayChart.Day(D, 0, BigDecimal.ZERO),
                new DayChart.Day(D.plusDays(1), 4, new BigDecimal("0.10")),
                new DayChart.Day(D.plusDays(2), 2, new BigDecimal("0.40"))), 7, "1.500000");
        List<DayChart.Bar> bars = chart.bars();
        assertThat(bars).extracting(DayChart.Bar::day).containsExactly("2026-11-28", "2026-11-29", "2026-11-30");
        assertThat(bars.get(0).executionsHeight()).isZero();
        assertThat(bars.get(0).costHeight()).isZero();
        assertThat(bars.get(1).executionsHeight()).isEqualTo(DayChart.PANEL);
        assertThat(bars.get(2).executionsHeight()).isEqualTo(DayChart.PANEL / 2.0);
        assertThat(bars.get(2).costHeight()).isEqualTo(DayChart.PANEL);
        assertThat(bars.get(1).costHeight()).isEqualTo(DayChart.PANEL / 4.0);
        for (DayChart.Bar b : bars) {
            assertThat(b.executionsY() + b.executionsHeight()).isEqualTo(chart.executionsBase());
            assertThat(b.costY() + b.costHeight()).isEqualTo(chart.costBase());
            assertThat(b.x() + b.width()).isLessThanOrEqualTo(DayChart.WIDTH);
        }
        assertThat(bars.get(1).x()).isGreaterThan(bars.get(0).x() + bars.get(0).width());
        assertThat(chart.totalExecutions()).isEqualTo(6);
        assertThat(chart.totalCostUsd()).isEqualTo("0.500000");
        assertThat(chart.maxCostUsd()).isEqualTo("0.400000");
    }

    @Test
    void aQuietMonthDrawsNoBars() {
        DayChart chart = new DayChart(List.of(new DayChart.Day(D, 0, BigDecimal.ZERO)), 0, "0.000000");
        assertThat(chart.bars()).singleElement().satisfies(b -> {
            assertThat(b.executionsHeight()).isZero();
            assertThat(b.costHeight()).isZero();
        });
    }
}
