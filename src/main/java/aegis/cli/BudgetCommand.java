package aegis.cli;

import aegis.config.ConfigException;
import aegis.config.Settings;
import aegis.db.Jdbc;
import aegis.dispatch.ExecutionStore;
import aegis.governance.Actor;
import aegis.governance.BudgetCaps;
import aegis.governance.BudgetPeriod;
import aegis.governance.BudgetScope;
import aegis.governance.BudgetSettings;
import aegis.governance.BudgetUsage;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "budget", description = "Each spending cap with spent / limit / remaining this period; "
        + "'set SCOPE PERIOD USD' changes one (SCOPE: global, project:<gid>, kind:<kind>; PERIOD: day, month). "
        + "Held work starts at once if the new cap allows it.")
final class BudgetCommand implements Callable<Integer> {
    private final Settings settings;

    @Parameters(arity = "0..4", paramLabel = "set SCOPE PERIOD USD")
    List<String> args = List.of();

    @Option(names = "--json", description = "the caps as JSON, for scripts")
    boolean json;

    BudgetCommand(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Integer call() {
        if (!args.isEmpty() && (!args.get(0).equals("set") || args.size() != 4)) {
            System.err.println("aegis: budget takes no arguments (to list the caps) or: set SCOPE PERIOD USD");
            return Main.USAGE;
        }
        Jdbc jdbc = DirectDatabase.open(settings);
        BudgetCaps caps = BudgetCaps.inDatabase(jdbc);
        if (!args.isEmpty()) {
            BudgetScope scope;
            BudgetPeriod period;
            BigDecimal usd;
            try {
                scope = BudgetScope.parse(args.get(1));
                period = BudgetPeriod.parse(args.get(2));
                usd = BudgetSettings.usd(args.get(3), "USD");
            } catch (IllegalArgumentException | ConfigException e) {
                System.err.println("aegis: " + e.getMessage());
                return Main.USAGE;
            }
            caps.set(scope, period, usd, Actor.unixUser(), new ExecutionStore(jdbc).channel());
            System.out.println("Cap " + scope + "/" + period.label() + " set to $" + usd.toPlainString() + ".");
        }
        List<BudgetUsage.Line> lines = new BudgetUsage(jdbc, caps, Clock.systemUTC()).current();
        if (json) {
            System.out.println(CliJson.pretty(lines.stream().map(BudgetUsage.Line::json).toList()));
            return Main.OK;
        }
        if (lines.isEmpty()) {
            System.out.println("No spending caps (budgets: in the YAML file, AEGIS_BUDGET_DAILY_USD, or aegis budget set).");
            return Main.OK;
        }
        System.out.printf("%-28s %-6s %12s %12s %12s %26s%n", "SCOPE", "PERIOD", "SPENT USD", "LIMIT USD", "REMAINING",
                "TOKENS SPENT / LIMIT");
        for (BudgetUsage.Line l : lines) {
            System.out.printf("%-28s %-6s %12s %12s %12s %26s%n", l.cap().scope(), l.cap().period().label(),
                    plain(l.spentUsd()), plain(l.cap().usd()), plain(l.remainingUsd()),
                    l.spentTokens() + " / " + (l.cap().tokens() == null ? "-" : l.cap().tokens()));
        }
        return Main.OK;
    }

    private static String plain(BigDecimal v) {
        return v == null ? "-" : v.stripTrailingZeros().toPlainString();
    }
}
