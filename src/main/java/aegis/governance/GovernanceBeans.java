package aegis.governance;

import aegis.config.Settings;
import aegis.db.Jdbc;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;
import java.time.Clock;

/** Budgets' beans: the caps (the configuration's copied in on first use), the gate, the ledger, the usage. */
@Factory
class GovernanceBeans {
    @Singleton
    BudgetCaps budgetCaps(Jdbc jdbc, Settings settings) {
        return new BudgetCaps(jdbc, BudgetSettings.from(settings));
    }

    @Singleton
    BudgetGate budgetGate(Jdbc jdbc, BudgetCaps caps) {
        return new BudgetGate(jdbc, caps, Clock.systemUTC());
    }

    @Singleton
    Ledger ledger(Jdbc jdbc) {
        return new Ledger(jdbc);
    }

    @Singleton
    BudgetUsage budgetUsage(Jdbc jdbc, BudgetCaps caps) {
        return new BudgetUsage(jdbc, caps, Clock.systemUTC());
    }
}
