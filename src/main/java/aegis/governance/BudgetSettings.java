package aegis.governance;

import aegis.config.ConfigException;
import aegis.config.Settings;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The caps the configuration asks for: the YAML file's {@code budgets} list
 * <pre>
 * budgets:
 *   - {scope: global, period: day, usd: 5.00}
 *   - {scope: "project:1200000000000001", period: month, usd: 40, tokens: 2000000}
 *   - {scope: "kind:command", period: day, tokens: 500000}
 * </pre>
 * and {@code AEGIS_BUDGET_DAILY_USD}, one global daily cap in USD (over the file's, if it has one).
 * A malformed entry is a configuration error naming it ({@code budgets[1].period}).
 */
public final class BudgetSettings {
    public static final String DAILY_USD = "AEGIS_BUDGET_DAILY_USD";
    private static final Set<String> KEYS = Set.of("scope", "period", "usd", "tokens");

    private BudgetSettings() {
    }

    public static List<BudgetCap> from(Settings settings) {
        Map<String, BudgetCap> caps = new LinkedHashMap<>();
        Object section = settings.section("budgets").orElse(null);
        if (section != null) {
            if (!(section instanceof List<?> list)) {
                throw new ConfigException("budgets", "must be a list of {scope, period, usd, tokens}");
            }
            for (int i = 0; i < list.size(); i++) {
                BudgetCap cap = entry(list.get(i), "budgets[" + i + "]");
                if (caps.put(cap.name(), cap) != null) {
                    throw new ConfigException("budgets[" + i + "]", "a second cap for " + cap.name()
                            + "; give each scope and period one entry");
                }
            }
        }
        settings.string(DAILY_USD).ifPresent(v -> {
            BigDecimal usd = usd(v, DAILY_USD);
            BudgetCap file = caps.get(BudgetScope.GLOBAL + "/day");
            caps.put(BudgetScope.GLOBAL + "/day",
                    new BudgetCap(BudgetScope.GLOBAL, BudgetPeriod.DAY, usd, file == null ? null : file.tokens()));
        });
        return List.copyOf(caps.values());
    }

    private static BudgetCap entry(Object o, String at) {
        if (!(o instanceof Map<?, ?> m)) {
            throw new ConfigException(at, "must be a mapping {scope, period, usd, tokens}");
        }
        for (Object k : m.keySet()) {
            if (!KEYS.contains(String.valueOf(k))) {
                throw new ConfigException(at + "." + k, "is not a budget key; use scope, period, usd, tokens");
            }
        }
        BudgetScope scope;
        BudgetPeriod period;
        try {
            scope = BudgetScope.parse(m.get("scope") == null ? "" : String.valueOf(m.get("scope")));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at + ".scope", e.getMessage());
        }
        try {
            period = BudgetPeriod.parse(m.get("period") == null ? "" : String.valueOf(m.get("period")));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at + ".period", e.getMessage());
        }
        BigDecimal usd = m.get("usd") == null ? null : usd(String.valueOf(m.get("usd")), at + ".usd");
        Long tokens = null;
        if (m.get("tokens") != null) {
            try {
                tokens = Long.parseLong(String.valueOf(m.get("tokens")).strip());
            } catch (NumberFormatException e) {
                throw new ConfigException(at + ".tokens", "must be a whole number, got '" + m.get("tokens") + "'");
            }
            if (tokens < 0) {
                throw new ConfigException(at + ".tokens", "cannot be negative");
            }
        }
        if (usd == null && tokens == null) {
            throw new ConfigException(at, "names neither usd nor tokens; give at least one limit");
        }
        return new BudgetCap(scope, period, usd, tokens);
    }

    /** A USD amount, not negative, at most six decimals (the ledger's precision). */
    public static BigDecimal usd(String text, String setting) {
        BigDecimal v;
        try {
            v = new BigDecimal(text.strip());
        } catch (NumberFormatException e) {
            throw new ConfigException(setting, "must be an amount in USD such as 5.00, got '" + text + "'");
        }
        if (v.signum() < 0) {
            throw new ConfigException(setting, "cannot be negative, got " + text);
        }
        if (v.stripTrailingZeros().scale() > 6) {
            throw new ConfigException(setting, "has more than six decimals: " + text);
        }
        return v;
    }
}
