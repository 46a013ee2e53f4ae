package aegis.governance;

import aegis.db.Jdbc;
import aegis.db.StatementPart;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.sql.Timestamp;
import java.util.Set;

/**
 * The ledger, {@code budget_transactions}: one row per attempt charged (its reported usage, zero
 * included, so that estimates know what runs cost), with the run's reservation released in the
 * same statement. Charges ride in the statement that records the attempt's outcome or retry
 * ({@link #charge}); a run stopped by a cancellation is charged on its own ({@link #chargeStopped}).
 */
public final class Ledger {
    private final Jdbc jdbc;

    public Ledger(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /** What one attempt is charged. */
    public record Charge(long executionId, int attempt, Set<BudgetScope> scopes, BigDecimal usd, long tokens,
                         String outcome) {
        public Charge {
            usd = usd == null ? BigDecimal.ZERO : usd;
            scopes = Set.copyOf(scopes);
        }
    }

    private static final String CTE = """
            budget_charge AS (
              INSERT INTO budget_transactions (execution_id, attempt, scopes, usd, tokens, outcome)
              SELECT id, ?, ?::text[], ?, ?, ? FROM done),
            budget_unreserve AS (
              DELETE FROM budget_reservations WHERE execution_id IN (SELECT id FROM done))""";

    /**
     * The charge as a part of the execution's transition statement (it reads {@code done}): written
     * only if the transition applies, and in its transaction.
     */
    public static StatementPart charge(Charge ch) {
        return new StatementPart() {
            @Override
            public String cte() {
                return CTE;
            }

            @Override
            public int bind(PreparedStatement ps, int first) throws SQLException {
                ps.setInt(first, ch.attempt());
                ps.setArray(first + 1, ps.getConnection().createArrayOf("text",
                        ch.scopes().stream().map(BudgetScope::toString).sorted().toArray()));
                ps.setBigDecimal(first + 2, ch.usd());
                ps.setLong(first + 3, ch.tokens());
                ps.setString(first + 4, ch.outcome());
                return first + 5;
            }
        };
    }

    /** A run stopped from outside (cancelled): what it reported is charged by itself. */
    public void chargeStopped(Charge ch) {
        jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "WITH done AS (SELECT ?::bigint AS id),\n" + CTE + "\nSELECT 1")) {
                ps.setLong(1, ch.executionId());
                charge(ch).bind(ps, 2);
                ps.execute();
            }
            return null;
        });
    }

    /** Spent in {@code scope} since {@code since}: USD and tokens. */
    record Spent(BigDecimal usd, long tokens) {
    }

    static Spent spent(Connection c, BudgetScope scope, Instant since) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT coalesce(sum(usd), 0), coalesce(sum(tokens), 0) FROM budget_transactions
                 WHERE scopes @> ARRAY[?]::text[] AND charged_at >= ?""")) {
            ps.setString(1, scope.toString());
            ps.setTimestamp(2, Timestamp.from(since));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Spent(rs.getBigDecimal(1), rs.getLong(2));
            }
        }
    }
}
