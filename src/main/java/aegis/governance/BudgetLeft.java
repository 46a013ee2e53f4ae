package aegis.governance;

import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The budget left for a run, as an approval request shows it: each cap that applies to the run
 * (global, its project's, its agent kind's) with what is left of it this period, or "no budget
 * configured" when none applies.
 */
@Singleton
public final class BudgetLeft implements BudgetHint {
    private final BudgetUsage usage;

    public BudgetLeft(BudgetUsage usage) {
        this.usage = usage;
    }

    @Override
    public String remainingFor(String projectGid, String agentKind) {
        Set<BudgetScope> applies = BudgetScope.of(projectGid, agentKind, null);
        List<String> parts = new ArrayList<>();
        for (BudgetUsage.Line l : usage.current()) {
            if (!applies.contains(l.cap().scope())) {
                continue;
            }
            List<String> left = new ArrayList<>();
            if (l.cap().usd() != null) {
                left.add(usd(l.remainingUsd()) + " of " + usd(l.cap().usd()));
            }
            if (l.cap().tokens() != null) {
                left.add(l.remainingTokens() + " of " + l.cap().tokens() + " tokens");
            }
            parts.add(String.join(" and ", left) + " left this " + l.cap().period().label() + " (" + l.cap().scope()
                    + ")");
        }
        return parts.isEmpty() ? "no budget configured" : String.join("; ", parts);
    }

    private static String usd(BigDecimal v) {
        return "$" + v.setScale(2, RoundingMode.HALF_UP).toPlainString();
    }
}
