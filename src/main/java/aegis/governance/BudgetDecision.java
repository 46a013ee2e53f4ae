package aegis.governance;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Whether a run may start now, as the caps see it. */
public sealed interface BudgetDecision {
    /** Start: nothing capped, or every cap has room (the run is now counted in flight). */
    record Admitted() implements BudgetDecision {
    }

    /**
     * Not now: {@code cap} is reached by what was spent ({@code runsInFlight} false: the person is
     * told, and the run waits for the period to roll over or the cap to be raised), or would be by
     * the runs in flight at their estimate ({@code runsInFlight} true: it waits, quietly, for them).
     */
    record Held(BudgetCap cap, BigDecimal spentUsd, long spentTokens, boolean runsInFlight, Instant periodEnds)
            implements BudgetDecision {
        private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
                .withZone(ZoneOffset.UTC);

        /** One line for the execution's record. */
        public String reason() {
            return (runsInFlight ? "waiting for runs in flight under the spending cap " : "the spending cap ")
                    + cap.name() + (runsInFlight ? "" : " is reached") + ": " + spentVsLimit();
        }

        /** What the person in Asana is told: which cap, spent vs limit, and when the task will start. */
        public String notice() {
            String period = cap.period() == BudgetPeriod.DAY ? "today" : "this month";
            return "I have not started this task: the spending cap " + cap.name() + " is reached ("
                    + spentVsLimit() + " " + period + ").\n\nIt will start by itself when the "
                    + cap.period().label() + "'s budget renews at " + AT.format(periodEnds)
                    + ", or as soon as an operator raises the cap (aegis budget set " + cap.scope() + " "
                    + cap.period().label() + " USD).";
        }

        private String spentVsLimit() {
            StringBuilder s = new StringBuilder();
            if (cap.usd() != null) {
                s.append("spent $").append(usd(spentUsd)).append(" of $").append(usd(cap.usd()));
            }
            if (cap.tokens() != null) {
                s.append(s.isEmpty() ? "" : ", ").append(spentTokens).append(" of ").append(cap.tokens())
                        .append(" tokens");
            }
            return s.toString();
        }

        static String usd(BigDecimal v) {
            BigDecimal s = v.setScale(6, RoundingMode.HALF_UP).stripTrailingZeros();
            return s.scale() < 2 ? s.setScale(2, RoundingMode.UNNECESSARY).toPlainString() : s.toPlainString();
        }
    }
}
