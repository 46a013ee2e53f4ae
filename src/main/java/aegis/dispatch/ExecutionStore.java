package aegis.dispatch;

import aegis.db.DedicatedConnection;
import aegis.db.Jdbc;
import aegis.db.SqlText;
import aegis.db.StatementPart;
import aegis.governance.PauseGate;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The execution queue in {@code task_executions}: every state transition is one statement
 * here, and each guards on the state it expects (and, for a running execution, on the
 * lease owner), so a worker whose execution was cancelled or rescued changes nothing.
 * It is longer than a class here should be on purpose: it is the table's one owner, and the
 * transitions below share their guards, columns and binders, so they are read and reviewed
 * together against this diagram rather than across several classes.
 *
 * <pre>
 *   pending ──claim──► running ──finish──► completed | failed
 *      ▲                  │  └─recordOutcome (answer owed, still running)
 *      ├──scheduleRetry───┤
 *      ├──release─────────┤   (shutdown, pause --now: attempt not counted)
 *      ├──rescue──────────┘   (lease expired: attempt counted)
 *   pending|held|awaiting_approval|running ──cancel──► cancelled
 *   running ──hold──► held ──releaseHeld──► pending   (a spending cap; attempt not counted)
 *   running ──awaitApproval──► awaiting_approval ──leaveApproval──► pending
 *                                     └──rejectIntoFollowUp──► cancelled (+ a pending follow-up)
 * </pre>
 */
@Singleton
public final class ExecutionStore {
    static final String COLUMNS = "e.id, e.task_id, (SELECT t.asana_gid FROM tasks t WHERE t.id = e.task_id) AS task_gid, "
            + "e.kind, e.agent_type, e.attempt, e.max_attempts, e.requested_by_gid, e.trigger_comment_gid, "
            + "e.outcome, e.result, e.error, coalesce((e.context->>'report_deferrals')::int, 0) AS report_deferrals, "
            + "e.lease_owner, e.agent_id, e.created_at, e.bot";

    private final Jdbc jdbc;
    private volatile String channel;

    public ExecutionStore(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * The NOTIFY channel of this database schema: schemas sharing a database (tests) must not
     * wake or cancel each other's work.
     */
    public String channel() {
        String c = channel;
        if (c == null) {
            c = jdbc.withConnection(conn -> {
                try (var st = conn.createStatement(); var rs = st.executeQuery("SELECT current_schema()")) {
                    rs.next();
                    return "aegis_dispatch_" + rs.getString(1).replaceAll("[^A-Za-z0-9_]", "_");
                }
            });
            channel = c;
        }
        return c;
    }

    /** Inserts a pending execution unless the task already has an open one; NOTIFY in the same transaction. */
    public Optional<Long> enqueue(NewExecution n) {
        String ch = channel();
        return jdbc.inTransaction(c -> {
            Optional<Long> id = insert(c, n);
            if (id.isPresent()) {
                notify(c, ch, "new");
            }
            return id;
        });
    }

    private static Optional<Long> insert(Connection c, NewExecution n) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO task_executions (task_id, kind, agent_type, priority, max_attempts,
                                             requested_by_gid, trigger_comment_gid, context, bot)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)
                ON CONFLICT DO NOTHING
                RETURNING id""")) {
            ps.setLong(1, n.taskId());
            ps.setString(2, n.kind());
            ps.setString(3, n.agentType());
            ps.setInt(4, n.priority());
            ps.setInt(5, n.maxAttempts());
            ps.setString(6, n.requestedByGid());
            ps.setString(7, n.triggerCommentGid());
            ps.setString(8, n.contextJson() == null ? "{}" : n.contextJson());
            ps.setString(9, n.bot());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    /**
     * Claims up to {@code limit} due executions of {@code agentType} (or, with a null type,
     * of any type not in {@code knownTypes}), highest priority first, for no worker slot in
     * particular. SKIP LOCKED lets concurrent claimers pass each other; the attempt is counted
     * here, except for an execution whose outcome is only waiting to be reported. Each claim
     * holds its own lease token ({@code owner:random}, in {@link Execution#leaseOwner()}): the
     * same instance claiming an execution again after a rescue must not pass the first claim's guards.
     */
    public List<Execution> claim(String owner, String agentType, List<String> knownTypes, int limit, Duration lease) {
        if (limit <= 0) {
            return List.of();
        }
        String typeFilter = agentType != null ? "agent_type = ?" : "(agent_type IS NULL OR NOT (agent_type = ANY (?)))";
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("WITH " + claimCtes(typeFilter, limit) + "\nSELECT * FROM claimed")) {
                if (agentType != null) {
                    ps.setString(1, agentType);
                } else {
                    ps.setArray(1, c.createArrayOf("text", knownTypes.toArray()));
                }
                bindClaim(ps, 2, owner, lease, null);
                return readAll(ps);
            }
        });
    }

    /**
     * Claims an execution of {@code agentType} for each worker in {@code agentIds} (at most),
     * each written into the execution it got ({@code agent_id}), in one statement with
     * {@code also} (which may read {@code claimed}): the workers' rows turn busy in the claim itself.
     */
    public List<Execution> claimFor(String owner, ClaimScope scope, List<Long> agentIds, Duration lease,
                                    StatementPart also) {
        if (agentIds.isEmpty()) {
            return List.of();
        }
        String sql = SqlText.of("WITH ", claimCtes(scope.filter(), agentIds.size()),
                also.cte().isEmpty() ? "" : ",\n", also.cte(), "\nSELECT * FROM claimed");
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                also.bind(ps, bindClaim(ps, scope.bind(ps, 1), owner, lease, agentIds));
                return readAll(ps);
            }
        });
    }

    private static List<Execution> readAll(PreparedStatement ps) throws SQLException {
        List<Execution> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(read(rs));
            }
        }
        return out;
    }

    /**
     * {@code due} (up to {@code limit} due executions passing {@code typeFilter}, whose
     * parameters come first, and not paused ({@link PauseGate}), locked), {@code slots} (each
     * numbered) and {@code claimed} (those made running under a new lease token, the n-th given
     * the n-th worker of an array;
     * parameters: the lease, the owner, the workers' ids or null). The limit is written into the
     * statement (one prepared statement per limit): with {@code LIMIT ?} the server cannot cost a
     * generic plan and plans the claim again on every call, which cost as much as running it.
     */
    private static String claimCtes(String typeFilter, int limit) {
        // Built once per filter and limit (a handful): formatting it cost more than the claim's binding.
        return CLAIM_CTES.computeIfAbsent(typeFilter + "\u0000" + limit, k -> claimCtesText(typeFilter, limit));
    }

    private static final java.util.concurrent.ConcurrentMap<String, String> CLAIM_CTES =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static String claimCtesText(String typeFilter, int limit) {
        return """
                due AS (
                  SELECT id FROM task_executions
                   WHERE status = 'pending' AND not_before <= now() AND %s
                     AND %s
                   ORDER BY priority DESC, not_before, id
                   LIMIT %d
                   FOR UPDATE SKIP LOCKED),
                slots AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM due),
                claimed AS (
                  UPDATE task_executions e
                     SET status = 'running', lease_until = now() + ?::interval,
                         lease_owner = ? || ':' || substr(md5(random()::text || clock_timestamp()::text), 1, 12),
                         attempt = e.attempt + CASE WHEN e.outcome IS NULL THEN 1 ELSE 0 END,
                         started_at = now(), agent_id = (?::bigint[])[slots.n]
                    FROM slots WHERE e.id = slots.id
                  RETURNING %s)""".formatted(typeFilter, PauseGate.CLAIMABLE, limit, COLUMNS);
    }

    /** The ending statement's claim of nothing, and of one of a whole kind: built once, not per call. */
    private static final String[] CLAIM_NEXT = {claimCtes("agent_type = ?", 0), claimCtes("agent_type = ?", 1)};

    private static String claimNext(ClaimNext next) {
        if (next == null) {
            return CLAIM_NEXT[0];
        }
        return next.scope().restricted() ? claimCtes(next.scope().filter(), 1) : CLAIM_NEXT[1];
    }

    private static int bindClaim(PreparedStatement ps, int i, String owner, Duration lease, List<Long> agentIds)
            throws SQLException {
        ps.setString(i, interval(lease));
        ps.setString(i + 1, owner);
        if (agentIds == null) {
            ps.setNull(i + 2, java.sql.Types.ARRAY);
        } else {
            ps.setArray(i + 2, ps.getConnection().createArrayOf("bigint", agentIds.toArray()));
        }
        return i + 3;
    }

    /**
     * Renews every lease in {@code tokens} (execution id to lease token) on {@code on}, a connection
     * of the lease keeper's own rather than the pool's; returns the ids still ours (an id missing
     * was cancelled or rescued).
     */
    public java.util.Set<Long> renewAll(DedicatedConnection on, java.util.Map<Long, String> tokens, Duration lease) {
        return tokens.isEmpty() ? java.util.Set.of() : on.with(c -> renewIn(c, tokens, lease));
    }

    private static java.util.Set<Long> renewIn(Connection c, java.util.Map<Long, String> tokens, Duration lease)
            throws SQLException {
        List<Long> ids = new ArrayList<>(tokens.keySet());
        List<String> owners = ids.stream().map(tokens::get).toList();
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE task_executions e SET lease_until = now() + ?::interval
                  FROM unnest(?::bigint[], ?::text[]) AS k(id, owner)
                 WHERE e.id = k.id AND e.status = 'running' AND e.lease_owner = k.owner
                RETURNING e.id""")) {
            ps.setString(1, interval(lease));
            ps.setArray(2, c.createArrayOf("bigint", ids.toArray()));
            ps.setArray(3, c.createArrayOf("text", owners.toArray()));
            java.util.Set<Long> kept = new java.util.HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    kept.add(rs.getLong(1));
                }
            }
            return kept;
        }
    }

    /**
     * Reporting failed (Asana unavailable): keep the owed outcome and try again at {@code notBefore}.
     * The deferrals are counted in the context ({@link Execution#reportDeferrals()}) so they can be bounded.
     */
    public boolean deferReport(long id, String owner, Instant notBefore) {
        return update("""
                UPDATE task_executions
                   SET status = 'pending', not_before = ?, lease_owner = NULL, lease_until = NULL,
                       context = context || jsonb_build_object('report_deferrals',
                           coalesce((context->>'report_deferrals')::int, 0) + 1)
                 WHERE id = ? AND status = 'running' AND lease_owner = ? AND outcome IS NOT NULL""",
                ps -> {
                    ps.setTimestamp(1, Timestamp.from(notBefore));
                    ps.setLong(2, id);
                    ps.setString(3, owner);
                }) == 1;
    }

    /** An outcome recorded, as {@code done}; parts and the final SELECT follow. */
    private static final String RECORD_OUTCOME = """
            WITH done AS (
              UPDATE task_executions
                 SET outcome = ?, result = ?, error = ?, agent_type = coalesce(?, agent_type),
                     context = context || jsonb_build_object('last_comment_id',
                         greatest(?, coalesce((context->>'last_comment_id')::bigint, 0))),
                     %s
               WHERE id = ? AND status = 'running' AND lease_owner = ?
              RETURNING id)""".formatted(ExecutionStore.ACCOUNTING);

    /**
     * Stores an attempt's outcome before anything is said in Asana, so that a crash
     * between the two leaves an answer owed rather than a second agent run.
     */
    public boolean recordOutcome(long id, String owner, String outcome, String result, String error,
                                 String agentType, Accounting a, long lastCommentId) {
        return recordOutcome(id, owner, outcome, result, error, agentType, a, lastCommentId, StatementPart.NONE);
    }

    /**
     * {@link #recordOutcome(long, String, String, String, String, String, Accounting, long)}, with
     * {@code also} (the attempt's events) in the same statement: one round trip, one commit.
     */
    public boolean recordOutcome(long id, String owner, String outcome, String result, String error,
                                 String agentType, Accounting a, long lastCommentId, StatementPart also) {
        String sql = SqlText.of(RECORD_OUTCOME, also.cte().isEmpty() ? "" : ",\n", also.cte(), "\nSELECT count(*) FROM done");
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, outcome);
                ps.setString(2, result);
                ps.setString(3, error);
                ps.setString(4, agentType);
                ps.setLong(5, lastCommentId);
                int i = setAccounting(ps, 6, a);
                ps.setLong(i, id);
                ps.setString(i + 1, owner);
                also.bind(ps, i + 2);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1) == 1;
                }
            }
        });
    }

    /**
     * What the statement ending an execution claims next for the worker's slot: an execution in
     * {@code scope} under a lease for {@code owner}, for the worker {@code agentId}; {@code null}
     * in its place claims nothing.
     */
    public record ClaimNext(String owner, ClaimScope scope, Long agentId, Duration lease) {
    }

    /** How an ending statement went: whether it ended the execution, and what it claimed next. */
    public record Ending(boolean ended, Optional<Execution> next) {
    }

    /** The outcome is reported: the execution ends ({@code completed} or {@code failed}). */
    public boolean finish(long id, String owner, String status, String answerStoryGid) {
        return finish(id, owner, status, answerStoryGid, null, StatementPart.NONE).ended();
    }

    /**
     * {@link #finish(long, String, String, String)}, in one statement with the slot's next claim
     * ({@code next}, may be null) and {@code also} (which may read {@code done} and {@code claimed}).
     */
    public Ending finish(long id, String owner, String status, String answerStoryGid, ClaimNext next,
                         StatementPart also) {
        return end("""
                UPDATE task_executions
                   SET status = ?, finished_at = now(), lease_owner = NULL, lease_until = NULL,
                       answer_story_gid = coalesce(?, answer_story_gid),
                       duration_ms = coalesce(duration_ms, 0)
                 WHERE id = ? AND status = 'running' AND lease_owner = ? AND outcome IS NOT NULL""",
                ps -> {
                    ps.setString(1, status);
                    ps.setString(2, answerStoryGid);
                    ps.setLong(3, id);
                    ps.setString(4, owner);
                    return 5;
                }, next, also);
    }

    /**
     * The owed answer can never be posted (the task was deleted, the bot may not comment, or
     * reporting was deferred too often): the execution ends as {@code status} ({@code failed}
     * or {@code cancelled}) with {@code error} saying why, its recorded outcome left as it is (a
     * recorded outcome is final); with the next claim and {@code also}
     * as in {@link #finish(long, String, String, String, ClaimNext, StatementPart)}.
     */
    public Ending abandonReport(long id, String owner, String status, String error, ClaimNext next,
                                StatementPart also) {
        return end("""
                UPDATE task_executions
                   SET status = ?, error = ?, finished_at = now(), lease_owner = NULL, lease_until = NULL
                 WHERE id = ? AND status = 'running' AND lease_owner = ? AND outcome IS NOT NULL""",
                ps -> {
                    ps.setString(1, status);
                    ps.setString(2, error);
                    ps.setLong(3, id);
                    ps.setString(4, owner);
                    return 5;
                }, next, also);
    }

    private interface IndexedBinder {
        /** Binds from index 1; returns the next free index. */
        int bind(PreparedStatement ps) throws SQLException;
    }

    /** {@code update} (the ending) as {@code done}, the next claim and {@code also}: one statement. */
    private Ending end(String update, IndexedBinder binder, ClaimNext next, StatementPart also) {
        String sql = SqlText.of("WITH done AS (\n", update, "\nRETURNING id),\n", claimNext(next),
                also.cte().isEmpty() ? "" : ",\n", also.cte(),
                "\nSELECT (SELECT count(*) FROM done) AS ended, claimed.* FROM (SELECT 1) AS one LEFT JOIN claimed ON true");
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = binder.bind(ps);
                if (next == null) {
                    ps.setString(i++, null);
                } else {
                    i = next.scope().bind(ps, i);
                }
                i = bindClaim(ps, i, next == null ? "" : next.owner(),
                        next == null ? Duration.ZERO : next.lease(),
                        next == null || next.agentId() == null ? null : List.of(next.agentId()));
                also.bind(ps, i);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    boolean ended = rs.getLong("ended") == 1;
                    rs.getLong("id");
                    return new Ending(ended, rs.wasNull() ? Optional.empty() : Optional.of(read(rs)));
                }
            }
        });
    }

    /** A transient failure with attempts left: back to pending until {@code notBefore}. */
    public boolean scheduleRetry(long id, String owner, Instant notBefore, String error, Accounting a) {
        return scheduleRetry(id, owner, notBefore, error, a, StatementPart.NONE);
    }

    /** {@link #scheduleRetry(long, String, Instant, String, Accounting)}, with {@code also} (the charge) in its statement. */
    public boolean scheduleRetry(long id, String owner, Instant notBefore, String error, Accounting a,
                                 StatementPart also) {
        String sql = """
                WITH done AS (
                  UPDATE task_executions
                     SET status = 'pending', not_before = ?, error = ?, lease_owner = NULL, lease_until = NULL,
                         %s
                   WHERE id = ? AND status = 'running' AND lease_owner = ?
                  RETURNING id)""".formatted(ACCOUNTING)
                + (also.cte().isEmpty() ? "" : ",\n" + also.cte()) + "\nSELECT count(*) FROM done";
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setTimestamp(1, Timestamp.from(notBefore));
                ps.setString(2, error);
                int i = setAccounting(ps, 3, a);
                ps.setLong(i, id);
                ps.setString(i + 1, owner);
                also.bind(ps, i + 2);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1) == 1;
                }
            }
        });
    }

    /**
     * A spending cap stops the run before it starts: the execution waits as {@code held} (the
     * attempt not counted) with {@code reason}; its scopes, the cap and whether it waits only for
     * runs in flight ({@code quiet}) are kept in its context for the release.
     */
    public boolean hold(long id, String owner, String reason, List<String> scopes, String cap, boolean quiet) {
        return update("""
                UPDATE task_executions
                   SET status = 'held', error = ?, lease_owner = NULL, lease_until = NULL,
                       attempt = CASE WHEN outcome IS NULL THEN greatest(attempt - 1, 0) ELSE attempt END,
                       context = context || jsonb_build_object('budget_hold',
                           jsonb_build_object('scopes', to_jsonb(?::text[]), 'cap', ?::text, 'quiet', ?::boolean))
                 WHERE id = ? AND status = 'running' AND lease_owner = ?""",
                ps -> {
                    ps.setString(1, reason);
                    ps.setArray(2, ps.getConnection().createArrayOf("text", scopes.toArray()));
                    ps.setString(3, cap);
                    ps.setBoolean(4, quiet);
                    ps.setLong(5, id);
                    ps.setString(6, owner);
                }) == 1;
    }

    /** A held execution: its id, the scopes it is charged to, and whether it waits only for runs in flight. */
    public record Held(long id, List<String> scopes, boolean quiet) {
    }

    /** Held executions in the order they start again: highest priority, then oldest, first. */
    public List<Held> held(int limit) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT id, ARRAY(SELECT jsonb_array_elements_text(context->'budget_hold'->'scopes')),
                           coalesce((context->'budget_hold'->>'quiet')::boolean, false)
                      FROM task_executions WHERE status = 'held'
                     ORDER BY priority DESC, created_at, id LIMIT ?""")) {
                ps.setInt(1, limit);
                List<Held> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Held(rs.getLong(1), List.of((String[]) rs.getArray(2).getArray()), rs.getBoolean(3)));
                    }
                }
                return out;
            }
        });
    }

    /**
     * Held executions go back to pending, to be claimed (and checked against the caps again) in
     * the order given, which their {@code not_before} keeps; NOTIFY in the same transaction.
     */
    public int releaseHeld(List<Long> ids) {
        if (ids.isEmpty()) {
            return 0;
        }
        String ch = channel();
        return jdbc.inTransaction(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE task_executions e
                       SET status = 'pending', not_before = now() + make_interval(secs => k.n / 1000.0),
                           error = NULL, context = e.context - 'budget_hold'
                      FROM unnest(?::bigint[]) WITH ORDINALITY AS k(id, n)
                     WHERE e.id = k.id AND e.status = 'held'""")) {
                ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
                n = ps.executeUpdate();
            }
            if (n > 0) {
                notify(c, ch, "new");
            }
            return n;
        });
    }

    /** Shutdown: hand the execution back untouched; this attempt does not count. */
    public boolean release(long id, String owner, int maxInterruptions) {
        return release(id, owner, maxInterruptions, true);
    }

    /**
     * Hands the execution back untouched, the attempt not counted; an operator's pause
     * ({@code countInterruption} false) does not count towards the interruptions either: it
     * says nothing about the run.
     */
    public boolean release(long id, String owner, int maxInterruptions, boolean countInterruption) {
        String ch = channel();
        return jdbc.inTransaction(c -> {
            int n;
            // The interruption that reaches the limit records a failure instead: the next worker tells the person.
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH r AS (
                      SELECT id, coalesce((context->>'interruptions')::int, 0) + ? AS n,
                             outcome IS NULL AND coalesce((context->>'interruptions')::int, 0) + ? >= ? AS gives_up
                        FROM task_executions WHERE id = ?)
                    UPDATE task_executions e
                       SET status = 'pending', not_before = now(), lease_owner = NULL, lease_until = NULL,
                           context = e.context || jsonb_build_object('interruptions', r.n),
                           attempt = CASE WHEN e.outcome IS NULL AND NOT r.gives_up
                                          THEN greatest(e.attempt - 1, 0) ELSE e.attempt END,
                           outcome = CASE WHEN r.gives_up THEN 'failed' ELSE e.outcome END,
                           error = CASE WHEN r.gives_up
                                        THEN 'the run was interrupted ' || r.n || ' times by the daemon stopping'
                                        ELSE e.error END
                      FROM r
                     WHERE e.id = r.id AND e.status = 'running' AND e.lease_owner = ?""")) {
                int counted = countInterruption ? 1 : 0;
                ps.setInt(1, counted);
                ps.setInt(2, counted);
                // Not counted, it can never reach the limit.
                ps.setInt(3, countInterruption ? maxInterruptions : Integer.MAX_VALUE);
                ps.setLong(4, id);
                ps.setString(5, owner);
                n = ps.executeUpdate();
            }
            if (n == 1) {
                notify(c, ch, "new");
            }
            return n == 1;
        });
    }

    /**
     * The run waits for a person: running → awaiting_approval, its lease given up, an attempt that
     * ran no agent not counted; with {@code also} (the approval asked, the run's events) in the
     * same statement, so the execution never waits without its request recorded.
     */
    public boolean awaitApproval(long id, String owner, StatementPart also) {
        return countDone("""
                WITH done AS (
                  UPDATE task_executions
                     SET status = 'awaiting_approval', lease_owner = NULL, lease_until = NULL,
                         attempt = CASE WHEN outcome IS NULL THEN greatest(attempt - 1, 0) ELSE attempt END
                   WHERE id = ? AND status = 'running' AND lease_owner = ?
                  RETURNING id)""", also, false, ps -> {
            ps.setLong(1, id);
            ps.setString(2, owner);
            return 3;
        }) == 1;
    }

    /**
     * A decision on a waiting execution, with {@code also} (the decision recorded): back to pending,
     * its thread seen up to the deciding comment. {@code refused} leaves it an outcome owed
     * ({@code cancelled} when none was recorded) so the worker posts the reply instead of running.
     */
    public boolean leaveApproval(long id, boolean refused, long decisionCommentId, StatementPart also) {
        return countDone("""
                WITH done AS (
                  UPDATE task_executions
                     SET status = 'pending', not_before = now(),
                         outcome = CASE WHEN ? THEN coalesce(outcome, 'cancelled') ELSE outcome END,
                         context = context || jsonb_build_object('last_comment_id',
                             greatest(?, coalesce((context->>'last_comment_id')::bigint, 0)))
                   WHERE id = ? AND status = 'awaiting_approval'
                  RETURNING id)""", also, true, ps -> {
            ps.setBoolean(1, refused);
            ps.setLong(2, decisionCommentId);
            ps.setLong(3, id);
            return 4;
        }) == 1;
    }

    /**
     * A proposed answer rejected with a comment: the execution ends cancelled (its recorded outcome
     * kept) and {@code next}, the follow-up that gets the comment, is enqueued in the same transaction.
     */
    public Optional<Long> rejectIntoFollowUp(long id, long decisionCommentId, String why, NewExecution next,
                                             StatementPart also) {
        String ch = channel();
        return jdbc.inTransaction(c -> {
            String sql = """
                    WITH done AS (
                      UPDATE task_executions
                         SET status = 'cancelled', finished_at = now(), error = ?,
                             context = context || jsonb_build_object('last_comment_id',
                                 greatest(?, coalesce((context->>'last_comment_id')::bigint, 0)))
                       WHERE id = ? AND status = 'awaiting_approval'
                      RETURNING id)""" + (also.cte().isEmpty() ? "" : ",\n" + also.cte())
                    + "\nSELECT count(*) FROM done";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, why);
                ps.setLong(2, decisionCommentId);
                ps.setLong(3, id);
                also.bind(ps, 4);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) != 1) {
                        return Optional.<Long>empty();
                    }
                }
            }
            Optional<Long> follow = insert(c, next);
            notify(c, ch, "new");
            return follow;
        });
    }

    /** {@code sql} (a {@code done} CTE) with {@code also}, counting {@code done}; NOTIFY "new" when asked and it applied. */
    private int countDone(String sql, StatementPart also, boolean wake, IndexedBinder binder) {
        String full = sql + (also.cte().isEmpty() ? "" : ",\n" + also.cte()) + "\nSELECT count(*) FROM done";
        String ch = wake ? channel() : null;
        return jdbc.inTransaction(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement(full)) {
                also.bind(ps, binder.bind(ps));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    n = (int) rs.getLong(1);
                }
            }
            if (n > 0 && wake) {
                notify(c, ch, "new");
            }
            return n;
        });
    }

    /** The worker found nothing left to do (task withdrawn before it started). */
    public boolean cancelOwn(long id, String owner, String reason) {
        return update("""
                UPDATE task_executions
                   SET status = 'cancelled', outcome = 'cancelled', error = ?, finished_at = now(),
                       lease_owner = NULL, lease_until = NULL
                 WHERE id = ? AND status = 'running' AND lease_owner = ?""",
                ps -> {
                    ps.setString(1, reason);
                    ps.setLong(2, id);
                    ps.setString(3, owner);
                }) == 1;
    }

    /**
     * The person withdrew the task: its open execution ends as cancelled. A running one is
     * told by NOTIFY (and at the latest by its next lease renewal, which then updates nothing).
     * An execution whose outcome is recorded is not cancelled: its answer is owed (perhaps
     * already posted, the task completed by the bot itself), and it ends when that is reported —
     * except a proposed answer still awaiting approval, which nothing has applied yet.
     * Returns the ids cancelled.
     */
    public List<Long> cancelForTask(long taskId, String reason) {
        String ch = channel();
        return jdbc.inTransaction(c -> {
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE task_executions
                       SET status = 'cancelled', outcome = coalesce(outcome, 'cancelled'), error = ?,
                           finished_at = now(), lease_owner = NULL, lease_until = NULL
                     WHERE task_id = ? AND status IN ('pending', 'held', 'awaiting_approval', 'running')
                       AND (outcome IS NULL OR status = 'awaiting_approval')
                    RETURNING id""")) {
                ps.setString(1, reason);
                ps.setLong(2, taskId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
            for (long id : ids) {
                notify(c, ch, "cancel:" + id);
            }
            return ids;
        });
    }

    /** One rescued execution: what the expired lease led to. */
    public record Rescued(long id, String owner, int attempt, String becomes) {
    }

    /**
     * Executions whose lease expired (their worker died): back to pending with backoff and
     * the attempt counted; past the maximum, they are failed — as an outcome still to be
     * reported, so a worker tells the person. One whose outcome was already recorded goes
     * straight back to pending to be reported.
     */
    public List<Rescued> rescueExpired(RetryPolicy policy, int batch) {
        String ch = channel();
        return jdbc.inTransaction(c -> {
            List<Rescued> out = new ArrayList<>();
            List<long[]> rows = new ArrayList<>();
            List<String> owners = new ArrayList<>();
            List<Boolean> owed = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT id, attempt, max_attempts, lease_owner, outcome IS NOT NULL FROM task_executions
                     WHERE status = 'running' AND lease_until < now()
                     ORDER BY lease_until LIMIT ? FOR UPDATE SKIP LOCKED""")) {
                ps.setInt(1, batch);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new long[] {rs.getLong(1), rs.getInt(2), rs.getInt(3)});
                        owners.add(rs.getString(4));
                        owed.add(rs.getBoolean(5));
                    }
                }
            }
            Instant now = Instant.now();
            for (int i = 0; i < rows.size(); i++) {
                long id = rows.get(i)[0];
                int attempt = (int) rows.get(i)[1];
                int max = (int) rows.get(i)[2];
                String becomes;
                Instant notBefore = now;
                String outcome = null;
                String error = null;
                if (owed.get(i)) {
                    becomes = "report_owed";
                } else if (policy.afterFailure(attempt, max, true, now) instanceof RetryPolicy.Decision.RetryAt r) {
                    becomes = "retry";
                    notBefore = r.at();
                    error = "the worker running attempt " + attempt + " stopped without finishing";
                } else {
                    becomes = "failed";
                    outcome = "failed";
                    error = "the worker stopped without finishing, " + attempt + " times";
                }
                try (PreparedStatement ps = c.prepareStatement("""
                        UPDATE task_executions
                           SET status = 'pending', not_before = ?, lease_owner = NULL, lease_until = NULL,
                               outcome = coalesce(?, outcome), error = coalesce(?, error)
                         WHERE id = ?""")) {
                    ps.setTimestamp(1, Timestamp.from(notBefore));
                    ps.setString(2, outcome);
                    ps.setString(3, error);
                    ps.setLong(4, id);
                    ps.executeUpdate();
                }
                out.add(new Rescued(id, owners.get(i), attempt, becomes));
            }
            if (!out.isEmpty()) {
                notify(c, ch, "new");
            }
            return out;
        });
    }

    /** Whether the task has had an execution (a new one for it is then a follow-up). */
    public boolean hasExecution(long taskId) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT EXISTS (SELECT 1 FROM task_executions WHERE task_id = ? AND kind <> 'mention')")) {
                ps.setLong(1, taskId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        });
    }

    private static final String ACCOUNTING = """
            input_tokens = input_tokens + ?, output_tokens = output_tokens + ?, cost_usd = cost_usd + ?,
            duration_ms = coalesce(duration_ms, 0) + ?,
            prompt_template_id = coalesce(?, prompt_template_id), prompt_version = coalesce(?, prompt_version),
            exit_code = coalesce(?, exit_code), output_excerpt = coalesce(?, output_excerpt)""";

    private static int setAccounting(PreparedStatement ps, int i, Accounting a) throws SQLException {
        ps.setLong(i, a.inputTokens());
        ps.setLong(i + 1, a.outputTokens());
        ps.setBigDecimal(i + 2, a.costUsd());
        ps.setLong(i + 3, a.durationMs());
        if (a.promptTemplateId() == null) {
            ps.setNull(i + 4, Types.BIGINT);
        } else {
            ps.setLong(i + 4, a.promptTemplateId());
        }
        if (a.promptVersion() == null) {
            ps.setNull(i + 5, Types.INTEGER);
        } else {
            ps.setInt(i + 5, a.promptVersion());
        }
        if (a.exitCode() == null) {
            ps.setNull(i + 6, Types.INTEGER);
        } else {
            ps.setInt(i + 6, a.exitCode());
        }
        ps.setString(i + 7, a.outputExcerpt());
        return i + 8;
    }

    private static void notify(Connection c, String channel, String payload) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, channel);
            ps.setString(2, payload);
            ps.execute();
        }
    }

    private static String interval(Duration d) {
        return d.toMillis() + " milliseconds";
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private int update(String sql, Binder binder) {
        return jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                return ps.executeUpdate();
            }
        });
    }

    static Execution read(ResultSet rs) throws SQLException {
        Timestamp created = rs.getTimestamp("created_at");
        return new Execution(rs.getLong("id"), rs.getLong("task_id"), rs.getString("task_gid"),
                rs.getString("kind"), rs.getString("agent_type"), rs.getInt("attempt"), rs.getInt("max_attempts"),
                rs.getString("requested_by_gid"), rs.getString("trigger_comment_gid"), rs.getString("outcome"),
                rs.getString("result"), rs.getString("error"), rs.getInt("report_deferrals"), rs.getString("lease_owner"),
                (Long) rs.getObject("agent_id"), created == null ? null : created.toInstant(), rs.getString("bot"));
    }
}
