package aegis.governance;

import io.micronaut.context.annotation.Secondary;
import jakarta.inject.Singleton;

/** The budget hint when nothing else provides one: any other {@link BudgetHint} bean takes its place. */
@Singleton
@Secondary
public final class NoBudgetConfigured implements BudgetHint {
    @Override
    public String remainingFor(String projectGid, String agentKind) {
        return "no budget configured";
    }
}
