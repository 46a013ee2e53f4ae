package aegis.governance;

import aegis.db.Jdbc;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Each cap with what its scope spent this period and what is left: for {@code aegis budget} and {@code /status}. */
public final class BudgetUsage {
    private final Jdbc jdbc;
    private final BudgetCaps caps;
    private final Clock clock;

    public BudgetUsage(Jdbc jdbc, BudgetCaps caps, Clock clock) {
        this.jdbc = jdbc;
        this.caps = caps;
        this.clock = clock;
    }

    /** One cap this period; a limit not set is null, and so is what remains of it. */
    public record Line(BudgetCap cap, Instant periodStart, Instant periodEnd, BigDecimal spentUsd, long spentTokens) {
        public BigDecimal remainingUsd() {
            return cap.usd() == null ? null : cap.usd().subtract(spentUsd).max(BigDecimal.ZERO);
        }

        public Long remainingTokens() {
            return cap.tokens() == null ? null : Math.max(0, cap.tokens() - spentTokens);
        }

        /** As JSON for {@code /status} and {@code aegis budget --json}. */
        public Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scope", cap.scope().toString());
            m.put("period", cap.period().label());
            m.put("period_start", periodStart.toString());
            m.put("period_end", periodEnd.toString());
            m.put("limit_usd", cap.usd());
            m.put("spent_usd", spentUsd);
            m.put("remaining_usd", remainingUsd());
            m.put("limit_tokens", cap.tokens());
            m.put("spent_tokens", spentTokens);
            m.put("remaining_tokens", remainingTokens());
            return m;
        }
    }

    public List<Line> current() {
        List<BudgetCap> all = caps.all();
        Instant now = clock.instant();
        return jdbc.withConnection(c -> {
            List<Line> out = new ArrayList<>();
            for (BudgetCap cap : all) {
                Instant start = cap.period().start(now);
                Ledger.Spent s = Ledger.spent(c, cap.scope(), start);
                out.add(new Line(cap, start, cap.period().end(now), s.usd(), s.tokens()));
            }
            return out;
        });
    }
}
