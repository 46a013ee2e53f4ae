package aegis.governance;

import aegis.db.Jdbc;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Checks the caps before money is spent. {@link #admit} runs under a transaction-scoped advisory
 * lock per capped scope, so that runs starting at once on any worker or instance are admitted one
 * after the other, each seeing the others: a cap counts what its scope has spent this period (the
 * ledger) plus the runs in flight (admitted, not yet charged) at their estimate, the average charge
 * of the last {@value #SAMPLE} runs of the same agent kind (else of any kind). A run with no
 * estimate yet (no history) counts as using all that is left: until one run is charged, a capped
 * scope runs one at a time. A cap is reached when spent plus in flight is at or over the limit.
 */
public final class BudgetGate {
    static final int SAMPLE = 20;

    private final Jdbc jdbc;
    private final BudgetCaps caps;
    private final Clock clock;
    private final Duration capsMaxAge;

    public BudgetGate(Jdbc jdbc, BudgetCaps caps, Clock clock) {
        this(jdbc, caps, clock, CAPS_MAX_AGE);
    }

    /** As above, the caps read again once {@code capsMaxAge} old. */
    BudgetGate(Jdbc jdbc, BudgetCaps caps, Clock clock, Duration capsMaxAge) {
        this.jdbc = jdbc;
        this.caps = caps;
        this.clock = clock;
        this.capsMaxAge = capsMaxAge;
    }

    /** Whether execution {@code executionId}, charged to {@code scopes}, may start; if so it is counted in flight. */
    public BudgetDecision admit(long executionId, Set<BudgetScope> scopes) {
        List<BudgetCap> capped = capsOn(scopes);
        if (capped.isEmpty()) {
            return new BudgetDecision.Admitted();
        }
        return jdbc.inTransaction(c -> {
            for (String scope : capped.stream().map(k -> k.scope().toString()).distinct().sorted().toList()) {
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT pg_advisory_xact_lock(hashtextextended('aegis.budget:' || current_schema() || ':' || ?, 0))")) {
                    ps.setString(1, scope);
                    ps.execute();
                }
            }
            Estimate est = estimate(c, scopes);
            BudgetDecision d = judge(c, capped, executionId, est, 0);
            if (d instanceof BudgetDecision.Admitted) {
                reserve(c, executionId, scopes, est);
            }
            return d;
        });
    }

    /**
     * Whether a held run charged to {@code scopes} could start now, with {@code alsoStarting} (the
     * scopes of runs let go just before it) counted in flight. Reads only; {@link #admit} decides.
     */
    public BudgetDecision assess(Set<BudgetScope> scopes, Collection<Set<BudgetScope>> alsoStarting) {
        List<BudgetCap> capped = capsOn(scopes);
        if (capped.isEmpty()) {
            return new BudgetDecision.Admitted();
        }
        return jdbc.withConnection(c -> {
            Estimate est = estimate(c, scopes);
            BudgetDecision worst = new BudgetDecision.Admitted();
            for (BudgetCap cap : capped) {
                long starting = alsoStarting.stream().filter(s -> s.contains(cap.scope())).count();
                BudgetDecision d = judge(c, List.of(cap), -1, est, starting);
                if (d instanceof BudgetDecision.Held h && (!h.runsInFlight()
                        || worst instanceof BudgetDecision.Admitted)) {
                    worst = d;
                }
            }
            return worst;
        });
    }

    /**
     * The caps are read again once this old at most, or at once when told of a change
     * ({@link #capsChanged()}): a lost notification delays a new cap by this much at worst.
     */
    static final Duration CAPS_MAX_AGE = Duration.ofSeconds(5);

    private List<BudgetCap> capsOn(Set<BudgetScope> scopes) {
        return caps.recent(capsMaxAge).stream().filter(k -> scopes.contains(k.scope())).toList();
    }

    /** A cap changed somewhere (an operator's NOTIFY), or a notification may have been lost: read them again. */
    public void capsChanged() {
        caps.changed();
    }

    /** Average charge per run; null fields: unknown (no history). */
    record Estimate(BigDecimal usd, Long tokens) {
        boolean known() {
            return usd != null;
        }
    }

    private static Estimate estimate(Connection c, Set<BudgetScope> scopes) throws SQLException {
        BudgetScope kind = scopes.stream().filter(s -> s.type().equals("kind")).findFirst().orElse(BudgetScope.GLOBAL);
        for (BudgetScope s : kind.equals(BudgetScope.GLOBAL) ? List.of(kind) : List.of(kind, BudgetScope.GLOBAL)) {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT avg(usd), round(avg(tokens))::bigint, count(*) FROM (
                      SELECT usd, tokens FROM budget_transactions WHERE scopes @> ARRAY[?]::text[]
                       ORDER BY id DESC LIMIT %d) AS recent""".formatted(SAMPLE))) {
                ps.setString(1, s.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(3) > 0) {
                        return new Estimate(rs.getBigDecimal(1), rs.getLong(2));
                    }
                }
            }
        }
        return new Estimate(null, null);
    }

    /**
     * The first cap reached by what was spent; else the first that spent plus in flight (other
     * than {@code self}) plus {@code starting} more at the estimate reaches; else admitted.
     */
    private BudgetDecision judge(Connection c, List<BudgetCap> capped, long self, Estimate est, long starting)
            throws SQLException {
        Instant now = clock.instant();
        BudgetDecision.Held inFlight = null;
        for (BudgetCap cap : capped) {
            Ledger.Spent spent = Ledger.spent(c, cap.scope(), cap.period().start(now));
            Instant ends = cap.period().end(now);
            if (reached(cap, spent.usd(), spent.tokens())) {
                return new BudgetDecision.Held(cap, spent.usd(), spent.tokens(), false, ends);
            }
            if (inFlight != null) {
                continue;
            }
            InFlight f = inFlight(c, cap.scope(), self);
            boolean unknown = f.unknown() > 0 || starting > 0 && !est.known();
            BigDecimal usd = spent.usd().add(f.usd());
            long tokens = spent.tokens() + f.tokens();
            if (est.known()) {
                usd = usd.add(est.usd().multiply(BigDecimal.valueOf(starting)));
                tokens += est.tokens() * starting;
            }
            if (unknown || reached(cap, usd, tokens)) {
                inFlight = new BudgetDecision.Held(cap, spent.usd(), spent.tokens(), true, ends);
            }
        }
        return inFlight != null ? inFlight : new BudgetDecision.Admitted();
    }

    private static boolean reached(BudgetCap cap, BigDecimal usd, long tokens) {
        return cap.usd() != null && usd.compareTo(cap.usd()) >= 0 || cap.tokens() != null && tokens >= cap.tokens();
    }

    private record InFlight(long unknown, BigDecimal usd, long tokens) {
    }

    private static InFlight inFlight(Connection c, BudgetScope scope, long self) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT count(*) FILTER (WHERE r.usd IS NULL), coalesce(sum(r.usd), 0), coalesce(sum(r.tokens), 0)
                  FROM budget_reservations r
                  JOIN task_executions e ON e.id = r.execution_id AND e.status = 'running' AND e.outcome IS NULL
                 WHERE r.scopes @> ARRAY[?]::text[] AND r.execution_id <> ?""")) {
            ps.setString(1, scope.toString());
            ps.setLong(2, self);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new InFlight(rs.getLong(1), rs.getBigDecimal(2), rs.getLong(3));
            }
        }
    }

    private static void reserve(Connection c, long executionId, Set<BudgetScope> scopes, Estimate est)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO budget_reservations (execution_id, scopes, usd, tokens) VALUES (?, ?::text[], ?, ?)
                ON CONFLICT (execution_id) DO UPDATE
                   SET scopes = excluded.scopes, usd = excluded.usd, tokens = excluded.tokens, reserved_at = now()""")) {
            ps.setLong(1, executionId);
            ps.setArray(2, c.createArrayOf("text", scopes.stream().map(BudgetScope::toString).sorted().toArray()));
            ps.setBigDecimal(3, est.usd());
            ps.setObject(4, est.tokens(), java.sql.Types.BIGINT);
            ps.executeUpdate();
        }
    }
}
