package aegis.status;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * Executions and cost per day, with the geometry of the page's inline SVG chart: two panels of
 * bars, executions above and cost below, each scaled to its own largest day.
 */
public record DayChart(List<Day> days, long archivedExecutions, String archivedCostUsd) {
    public static final int WIDTH = 720;
    public static final int PANEL = 110;
    private static final int LEFT = 40;
    private static final int TOP = 18;
    private static final int GAP = 34;

    public record Day(LocalDate day, long executions, BigDecimal costUsd) {
    }

    /** One day's two bars; a y and height in SVG units (0 height: nothing that day). */
    public record Bar(String day, long executions, String costUsd, double x, double width,
                      double executionsY, double executionsHeight, double costY, double costHeight) {
    }

    public long maxExecutions() {
        return days.stream().mapToLong(Day::executions).max().orElse(0);
    }

    public BigDecimal maxCost() {
        return days.stream().map(Day::costUsd).max(BigDecimal::compareTo).orElse(BigDecimal.ZERO);
    }

    public String maxCostUsd() {
        return StatusReader.money(maxCost());
    }

    public long totalExecutions() {
        return days.stream().mapToLong(Day::executions).sum();
    }

    public String totalCostUsd() {
        return StatusReader.money(days.stream().map(Day::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add));
    }

    public int height() {
        return TOP + PANEL + GAP + PANEL + 20;
    }

    public int left() {
        return LEFT;
    }

    /** The y of the executions panel's baseline. */
    public int executionsBase() {
        return TOP + PANEL;
    }

    /** The y of the cost panel's baseline. */
    public int costBase() {
        return TOP + PANEL + GAP + PANEL;
    }

    public List<Bar> bars() {
        List<Bar> out = new ArrayList<>();
        if (days.isEmpty()) {
            return out;
        }
        double slot = (double) (WIDTH - LEFT - 4) / days.size();
        double width = Math.max(1, slot * 0.7);
        long maxN = maxExecutions();
        BigDecimal maxC = maxCost();
        for (int i = 0; i < days.size(); i++) {
            Day d = days.get(i);
            double x = LEFT + i * slot + (slot - width) / 2;
            double hN = maxN == 0 ? 0 : PANEL * (double) d.executions() / maxN;
            double hC = maxC.signum() == 0 ? 0
                    : PANEL * d.costUsd().divide(maxC, 6, RoundingMode.HALF_UP).doubleValue();
            out.add(new Bar(d.day().toString(), d.executions(), StatusReader.money(d.costUsd()), round(x),
                    round(width), round(executionsBase() - hN), round(hN), round(costBase() - hC), round(hC)));
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
