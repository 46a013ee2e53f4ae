package aegis.governance;

import aegis.db.Jdbc;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The caps in force, in {@code budget_caps}: the configuration's caps are copied in once by the
 * daemon ({@link #all()} does it first), and {@code aegis budget set} changes a row in place.
 * Whichever changed a cap last wins: a restart keeps an operator's value unless the file's own
 * value for that cap changed since it was last copied; a cap removed from the file goes unless an
 * operator set it.
 */
public final class BudgetCaps {
    private final Jdbc jdbc;
    private final List<BudgetCap> configured;
    private volatile boolean synced;

    /** The daemon's caps: {@code configured} (the file's) are copied in before first use. */
    public BudgetCaps(Jdbc jdbc, List<BudgetCap> configured) {
        this.jdbc = jdbc;
        this.configured = List.copyOf(configured);
    }

    private BudgetCaps(Jdbc jdbc) {
        this.jdbc = jdbc;
        this.configured = List.of();
        this.synced = true;
    }

    /**
     * The caps as the database has them, the file's not copied in: for the command line, which
     * may run without the daemon's configuration and must not take the file's caps for removed.
     */
    public static BudgetCaps inDatabase(Jdbc jdbc) {
        return new BudgetCaps(jdbc);
    }

    /** Every cap in force, global first. */
    public List<BudgetCap> all() {
        syncOnce();
        return jdbc.withConnection(BudgetCaps::read);
    }

    /**
     * Every cap in force as read at most {@code maxAge} ago, or since the last {@link #changed()}:
     * admission asks on every run, and caps change rarely, by an operator whose change NOTIFYs every
     * instance (which calls {@link #changed()}); {@code maxAge} bounds how long a lost notification
     * can go unnoticed.
     */
    public List<BudgetCap> recent(Duration maxAge) {
        Snapshot s = snapshot;
        long now = System.nanoTime();
        if (s != null && s.generation() == generation.get() && now - s.readAt() < maxAge.toNanos()) {
            return s.caps();
        }
        // A change told while reading makes this reading one of before it: kept, it would not be used.
        long before = generation.get();
        List<BudgetCap> caps = List.copyOf(all());
        snapshot = new Snapshot(caps, now, before);
        return caps;
    }

    /** The caps changed (an operator's NOTIFY, or the listening connection was lost): read them again. */
    public void changed() {
        generation.incrementAndGet();
    }

    /** The caps as read at {@code readAt} (nanoTime), when the changes told numbered {@code generation}. */
    private record Snapshot(List<BudgetCap> caps, long readAt, long generation) {
    }

    private final AtomicLong generation = new AtomicLong();
    private volatile Snapshot snapshot;

    static List<BudgetCap> read(Connection c) throws SQLException {
        List<BudgetCap> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT scope, period, usd, tokens FROM budget_caps
                 WHERE usd IS NOT NULL OR tokens IS NOT NULL
                 ORDER BY scope <> 'global', scope, period""");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new BudgetCap(BudgetScope.parse(rs.getString(1)), BudgetPeriod.parse(rs.getString(2)),
                        rs.getBigDecimal(3), (Long) rs.getObject(4)));
            }
        }
        return out;
    }

    /**
     * An operator sets a cap's USD limit (its token limit, if any, stays); {@code by} is who. The
     * change commits with its audit record and a NOTIFY on {@code channel} (when given) so that held
     * work is looked at at once.
     */
    public void set(BudgetScope scope, BudgetPeriod period, BigDecimal usd, Actor by, String channel) {
        syncOnce();
        jdbc.inTransaction(c -> {
            BigDecimal before = null;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT usd FROM budget_caps WHERE scope = ? AND period = ? FOR UPDATE")) {
                ps.setString(1, scope.toString());
                ps.setString(2, period.label());
                try (ResultSet rs = ps.executeQuery()) {
                    before = rs.next() ? rs.getBigDecimal(1) : null;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO budget_caps (scope, period, usd, changed_by) VALUES (?, ?, ?, ?)
                    ON CONFLICT (scope, period) DO UPDATE
                       SET usd = excluded.usd, changed_by = excluded.changed_by, changed_at = now()""")) {
                ps.setString(1, scope.toString());
                ps.setString(2, period.label());
                ps.setBigDecimal(3, usd);
                ps.setString(4, by.name());
                ps.executeUpdate();
            }
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("period", period.label());
            detail.put("usd", usd.toPlainString());
            detail.put("previous_usd", before == null ? null : before.stripTrailingZeros().toPlainString());
            new AuditTrail(jdbc).operatorAction(c, by, "budget.set", scope.toString(), detail, "ok");
            if (channel != null) {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, 'budget')")) {
                    ps.setString(1, channel);
                    ps.execute();
                }
            }
            return null;
        });
        changed();
    }

    private void syncOnce() {
        if (synced) {
            return;
        }
        synchronized (this) {
            if (!synced) {
                jdbc.inTransaction(c -> {
                    sync(c);
                    return null;
                });
                synced = true;
            }
        }
    }

    /** The file's value for a cap differs from what was copied last (or the file did not have it). */
    private static final String FILE_CHANGED = "(NOT b.in_file OR b.file_usd IS DISTINCT FROM excluded.file_usd"
            + " OR b.file_tokens IS DISTINCT FROM excluded.file_tokens)";

    private void sync(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        for (BudgetCap cap : configured) {
            names.add(cap.name());
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO budget_caps AS b (scope, period, usd, tokens, file_usd, file_tokens, in_file, changed_by)
                    VALUES (?, ?, ?, ?, ?, ?, true, 'config')
                    ON CONFLICT (scope, period) DO UPDATE
                       SET usd = CASE WHEN %1$s THEN excluded.usd ELSE b.usd END,
                           tokens = CASE WHEN %1$s THEN excluded.tokens ELSE b.tokens END,
                           changed_by = CASE WHEN %1$s THEN 'config' ELSE b.changed_by END,
                           changed_at = CASE WHEN %1$s THEN now() ELSE b.changed_at END,
                           file_usd = excluded.file_usd, file_tokens = excluded.file_tokens, in_file = true"""
                    .formatted(FILE_CHANGED))) {
                ps.setString(1, cap.scope().toString());
                ps.setString(2, cap.period().label());
                ps.setBigDecimal(3, cap.usd());
                setLong(ps, 4, cap.tokens());
                ps.setBigDecimal(5, cap.usd());
                setLong(ps, 6, cap.tokens());
                ps.executeUpdate();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("""
                DELETE FROM budget_caps WHERE in_file AND changed_by = 'config'
                   AND NOT (scope || '/' || period = ANY (?))""")) {
            ps.setArray(1, c.createArrayOf("text", names.toArray()));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE budget_caps SET in_file = false WHERE in_file AND NOT (scope || '/' || period = ANY (?))")) {
            ps.setArray(1, c.createArrayOf("text", names.toArray()));
            ps.executeUpdate();
        }
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }
}
