package aegis.dispatch;

import aegis.governance.BudgetGate;
import aegis.governance.Ledger;

/** What dispatch asks of the spending caps: admission before a run ({@code gate}), and the ledger its charges go to. */
record BudgetControl(BudgetGate gate, Ledger ledger) {
}
