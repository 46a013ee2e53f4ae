package aegis.governance;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.db.Jdbc;
import aegis.dispatch.QueueFixtures;
import aegis.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Admission against real PostgreSQL: concurrent starts, in-flight runs, periods, the caps' precedence. */
class BudgetGateTest {
    private static final Set<BudgetScope> SCOPES = BudgetScope.of("p1", "llm", null);
    private static TestDatabase.Schema schema;
    private static HikariDataSource ds;
    private static Jdbc jdbc;
    private static long projectId;

    @BeforeAll
    static void setUp() throws Exception {
        schema = TestDatabase.freshSchema("budget_gate");
        ds = QueueFixtures.pool(schema, 12);
        jdbc = QueueFixtures.jdbc(ds);
        try (Connection c = schema.connect()) {
            projectId = QueueFixtures.project(c, "p1");
        }
    }

    @AfterAll
    static void tearDown() {
        ds.close();
        schema.drop();
    }

    @BeforeEach
    void clean() throws Exception {
        try (Connection c = schema.connect(); var st = c.createStatement()) {
            st.execute("TRUNCATE budget_caps, budget_transactions, budget_reservations");
            st.execute("DELETE FROM task_executions");
        }
    }

    /** {@code n} executions, running, as claimed ones are. */
    private static List<Long> running(int n) throws Exception {
        List<Long> ids = new ArrayList<>();
        try (Connection c = schema.connect()) {
            for (long task : QueueFixtures.tasks(c, projectId, "t" + System.nanoTime() + "-", n, "bot")) {
                try (PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO task_executions (task_id, kind, agent_type, status, attempt, lease_owner, lease_until)
                        VALUES (?, 'initial', 'llm', 'running', 1, 'x', now() + interval '1 hour') RETURNING id""")) {
                    ps.setLong(1, task);
                    try (var rs = ps.executeQuery()) {
                        rs.next();
                        ids.add(rs.getLong(1));
                    }
                }
            }
        }
        return ids;
    }

    private static void charged(long executionId, String usd) {
        new Ledger(jdbc).chargeStopped(new Ledger.Charge(executionId, 1, SCOPES, new BigDecimal(usd), 100, "done"));
    }

    private static BudgetGate gate(Clock clock) {
        return new BudgetGate(jdbc, BudgetCaps.inDatabase(jdbc), clock);
    }

    private static void cap(String usd) {
        BudgetCaps.inDatabase(jdbc).set(BudgetScope.GLOBAL, BudgetPeriod.DAY, new BigDecimal(usd), new Actor("test"), null);
    }

    @Test
    void concurrentStartsAreAdmittedOnlyAsFarAsTheCapGoes() throws Exception {
        // History: runs cost 1.00 each; 2.00 spent of a 5.00 cap leaves room for three in flight.
        List<Long> past = running(2);
        charged(past.get(0), "1.00");
        charged(past.get(1), "1.00");
        cap("5.00");
        List<Long> starting = running(8);
        BudgetGate gate = gate(Clock.systemUTC());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<BudgetDecision>> decisions = new ArrayList<>();
        for (long id : starting) {
            decisions.add(pool.submit((Callable<BudgetDecision>) () -> {
                go.await();
                return gate.admit(id, SCOPES);
            }));
        }
        go.countDown();
        int admitted = 0;
        for (Future<BudgetDecision> f : decisions) {
            BudgetDecision d = f.get();
            if (d instanceof BudgetDecision.Admitted) {
                admitted++;
            } else {
                assertThat(((BudgetDecision.Held) d).runsInFlight()).as("held for the runs in flight, not spent").isTrue();
            }
        }
        pool.shutdown();
        assertThat(admitted).isEqualTo(3);
    }

    @Test
    void withNoHistoryACappedScopeRunsOneAtATime() throws Exception {
        cap("5.00");
        List<Long> ids = running(2);
        BudgetGate gate = gate(Clock.systemUTC());
        assertThat(gate.admit(ids.get(0), SCOPES)).isInstanceOf(BudgetDecision.Admitted.class);
        assertThat(gate.admit(ids.get(1), SCOPES)).isInstanceOfSatisfying(BudgetDecision.Held.class,
                h -> assertThat(h.runsInFlight()).isTrue());
        charged(ids.get(0), "0.50");
        assertThat(gate.admit(ids.get(1), SCOPES)).as("the first was charged: now it is known")
                .isInstanceOf(BudgetDecision.Admitted.class);
    }

    @Test
    void aReachedCapHoldsUntilTheDayRollsOverOrTheCapIsRaised() throws Exception {
        List<Long> ids = running(2);
        charged(ids.get(0), "2.00");
        cap("2.00");
        Instant now = Instant.now();
        BudgetDecision d = gate(Clock.fixed(now, ZoneOffset.UTC)).admit(ids.get(1), SCOPES);
        assertThat(d).isInstanceOfSatisfying(BudgetDecision.Held.class, h -> {
            assertThat(h.runsInFlight()).isFalse();
            assertThat(h.cap().name()).isEqualTo("global/day");
            assertThat(h.periodEnds()).isEqualTo(BudgetPeriod.DAY.end(now));
            assertThat(h.notice()).contains("global/day").contains("spent $2.00 of $2.00");
        });
        Clock tomorrow = Clock.fixed(BudgetPeriod.DAY.end(now).plusSeconds(1), ZoneOffset.UTC);
        assertThat(gate(tomorrow).assess(SCOPES, List.of())).isInstanceOf(BudgetDecision.Admitted.class);
        cap("3.00");
        assertThat(gate(Clock.fixed(now, ZoneOffset.UTC)).admit(ids.get(1), SCOPES))
                .isInstanceOf(BudgetDecision.Admitted.class);
    }

    @Test
    void theCapsAreReadOncePerChangeNotPerRun() throws Exception {
        List<Long> ids = running(2);
        charged(ids.get(0), "2.00");
        // A reading good for a minute: the test does not depend on how fast a loaded machine runs it.
        BudgetGate gate = new BudgetGate(jdbc, BudgetCaps.inDatabase(jdbc), Clock.systemUTC(), Duration.ofMinutes(1));
        assertThat(gate.admit(ids.get(1), SCOPES)).as("no cap").isInstanceOf(BudgetDecision.Admitted.class);
        // Set by another process (aegis budget set): until its NOTIFY arrives, this gate goes by what it read.
        cap("2.00");
        assertThat(gate.admit(ids.get(1), SCOPES)).as("the caps as read a moment ago")
                .isInstanceOf(BudgetDecision.Admitted.class);
        gate.capsChanged();
        assertThat(gate.admit(ids.get(1), SCOPES)).as("told of the change").isInstanceOf(BudgetDecision.Held.class);
        BudgetCaps caps = BudgetCaps.inDatabase(jdbc);
        assertThat(caps.recent(Duration.ofMinutes(1))).hasSize(1);
        cap("3.00");
        assertThat(caps.recent(Duration.ZERO)).as("a reading older than allowed is not used")
                .extracting(BudgetCap::usd).containsExactly(new BigDecimal("3.000000"));
        caps.set(BudgetScope.GLOBAL, BudgetPeriod.DAY, new BigDecimal("4"), new Actor("test"), null);
        assertThat(caps.recent(Duration.ofMinutes(1))).as("its own change").extracting(BudgetCap::usd)
                .containsExactly(new BigDecimal("4.000000"));
    }

    @Test
    void anOperatorsCapSurvivesARestartUnlessTheFileChangesThatCap() {
        BudgetCap file = new BudgetCap(BudgetScope.GLOBAL, BudgetPeriod.DAY, new BigDecimal("5"), null);
        assertThat(new BudgetCaps(jdbc, List.of(file)).all()).extracting(BudgetCap::usd)
                .containsExactly(new BigDecimal("5.000000"));
        cap("9");
        assertThat(new BudgetCaps(jdbc, List.of(file)).all()).as("restart, same file")
                .extracting(BudgetCap::usd).containsExactly(new BigDecimal("9.000000"));
        BudgetCap edited = new BudgetCap(BudgetScope.GLOBAL, BudgetPeriod.DAY, new BigDecimal("6"), null);
        assertThat(new BudgetCaps(jdbc, List.of(edited)).all()).as("restart, the file's cap edited")
                .extracting(BudgetCap::usd).containsExactly(new BigDecimal("6.000000"));
        assertThat(new BudgetCaps(jdbc, List.of()).all()).as("removed from the file").isEmpty();
    }

    /** What an approval request says of the budget: each cap that applies, with what is left of it. */
    @Test
    void theBudgetLeftNamesEachCapThatAppliesToTheRun() throws Exception {
        BudgetLeft left = new BudgetLeft(new BudgetUsage(jdbc, BudgetCaps.inDatabase(jdbc), java.time.Clock.systemUTC()));
        assertThat(left.remainingFor("p1", "llm")).isEqualTo("no budget configured");
        BudgetCaps.inDatabase(jdbc).set(BudgetScope.GLOBAL, BudgetPeriod.DAY, new BigDecimal("5"), new Actor("test"), null);
        BudgetCaps.inDatabase(jdbc).set(BudgetScope.kind("command"), BudgetPeriod.DAY, new BigDecimal("9"),
                new Actor("test"), null);
        charged(running(1).get(0), "1.25");
        assertThat(left.remainingFor("p1", "llm")).as("the command kind's cap does not apply to an llm run")
                .isEqualTo("$3.75 of $5.00 left this day (global)");
    }
}
