package aegis.governance;

import java.math.BigDecimal;

/** One spending cap: at most {@code usd} and/or {@code tokens} (null: no limit) per period in a scope. */
public record BudgetCap(BudgetScope scope, BudgetPeriod period, BigDecimal usd, Long tokens) {
    public BudgetCap {
        if (usd != null && usd.signum() < 0 || tokens != null && tokens < 0) {
            throw new IllegalArgumentException("a budget cap cannot be negative");
        }
    }

    /** {@code global/day}: how a cap is named in messages. */
    public String name() {
        return scope + "/" + period.label();
    }
}
