package aegis.dispatch;

import aegis.governance.BudgetDecision;
import aegis.governance.BudgetGate;
import aegis.governance.BudgetScope;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Lets held executions go when the caps allow again (the period rolled over, a cap was raised,
 * runs in flight were charged), highest priority and oldest first, each counted in flight for
 * those after it so that no more are let go than fit. One that waited only for runs in flight
 * goes back as soon as none remain, to be held properly (and the person told) if the cap is reached.
 * What is let go is checked again when claimed ({@link BudgetGate#admit}): that check, not this
 * one, keeps the cap.
 */
final class HeldRelease {
    /** Held executions looked at per pass. */
    private static final int BATCH = 200;

    private final ExecutionStore store;
    private final BudgetGate gate;

    HeldRelease(ExecutionStore store, BudgetGate gate) {
        this.store = store;
        this.gate = gate;
    }

    /** A cap changed: the next admission and pass read the caps again. */
    void capsChanged() {
        gate.capsChanged();
    }

    /** One pass; returns how many went back to the queue. */
    int releaseWhatFits() {
        List<ExecutionStore.Held> held = store.held(BATCH);
        if (held.isEmpty()) {
            return 0;
        }
        List<Long> release = new ArrayList<>();
        List<Set<BudgetScope>> starting = new ArrayList<>();
        // Scopes already refused in this pass stay refused: what is let go only adds to what is in flight.
        Set<Set<BudgetScope>> refused = new HashSet<>();
        for (ExecutionStore.Held h : held) {
            Set<BudgetScope> scopes = h.scopes().stream().map(BudgetScope::parse).collect(Collectors.toSet());
            if (!h.quiet() && refused.contains(scopes)) {
                continue;
            }
            BudgetDecision d = gate.assess(scopes, starting);
            boolean go = d instanceof BudgetDecision.Admitted
                    || h.quiet() && d instanceof BudgetDecision.Held x && !x.runsInFlight();
            if (go) {
                release.add(h.id());
                starting.add(scopes);
            } else {
                refused.add(scopes);
            }
        }
        return store.releaseHeld(release);
    }
}
