package aegis.dispatch;

import aegis.memory.AnswerIndex;
import aegis.memory.FullTextRecall;
import aegis.memory.MemorySettings;
import aegis.memory.ProjectMemory;
import com.fasterxml.jackson.databind.ObjectMapper;
import aegis.agent.EchoAgent;
import aegis.agent.Agent;
import aegis.config.AegisConfig;
import aegis.db.Jdbc;
import aegis.governance.BudgetCaps;
import aegis.governance.BudgetGate;
import aegis.governance.Ledger;
import aegis.config.ProjectSettings;
import aegis.sync.TaskReader;
import aegis.testing.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Supplier;
import javax.sql.DataSource;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One "instance" of the agent pool on a test schema, built without Micronaut: its own
 * connection pool, LISTEN connection and instance id, the echo agent, and a reporter that
 * counts answers per execution instead of calling Asana (these tests are about the queue;
 * answering through the simulator is tested end to end elsewhere).
 */
public final class PoolHarness implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    public final HikariDataSource ds;
    public final ExecutionStore store;
    public final WorkerPool pool;
    public final QueueSignals signals;
    public final Map<Long, AtomicInteger> answers;
    public final ProjectMemory memory;

    public PoolHarness(TestDatabase.Schema schema, String instanceId, int workers, Duration echoDelay,
                       Map<Long, AtomicInteger> answers) {
        this(schema, settings(Duration.ofSeconds(30), Duration.ofSeconds(10), workers, instanceId),
                Map.of(EchoAgent.KIND, new EchoAgent(echoDelay)), new CountingReporter(answers), answers,
                new SimpleMeterRegistry());
    }

    /** A pool with its own lease timing, agents, reporter and metrics. */
    public PoolHarness(TestDatabase.Schema schema, DispatchSettings s, Map<String, Agent> agents,
                       ResultReporter reporter, Map<Long, AtomicInteger> answers, MeterRegistry registry) {
        this(schema, s, agents, reporter, answers, registry,
                new ProjectSettings.All(Map.of(), Optional.empty(), Optional.empty()));
    }

    /** As above, with per-project settings; no worktree is ever opened (a run that would open one fails). */
    public PoolHarness(TestDatabase.Schema schema, DispatchSettings s, Map<String, Agent> agents,
                       ResultReporter reporter, Map<Long, AtomicInteger> answers, MeterRegistry registry,
                       ProjectSettings.All projects) {
        this.answers = answers;
        ds = QueueFixtures.pool(schema, s.workers() + 4);
        Jdbc jdbc = new Jdbc(faulty(ds));
        store = new ExecutionStore(jdbc);
        AegisConfig.Database db = schema.database();
        signals = new QueueSignals(db, store.channel());
        TaskReader tasks = new TaskReader(jdbc, projects, JSON);
        ExecutionEvents events = new ExecutionEvents(jdbc, JSON);
        memory = new ProjectMemory(new FullTextRecall(jdbc), new AnswerIndex(jdbc), new MemorySettings(5));
        // No workspaces here: a run that would open a worktree fails.
        pool = WorkerPool.of(schema.database(), store, tasks, new AgentRows(jdbc), events, agents,
                new TaskTextPrompts(), reporter, new ExponentialBackoff(s.backoffBase(), s.backoffMax()), s, signals,
                name -> Optional.of(new aegis.asana.Bots.Bot(new aegis.config.BotSettings(name, "ASANA_ACCESS_TOKEN", "",
                        "", Optional.empty(), List.of(), List.of()), null, "bot", "Bot")),
                new aegis.metrics.Metrics(registry), projects,
                new CodingWork(null, projects, Optional.empty(), events),
                memory,
                new BudgetControl(new BudgetGate(jdbc, BudgetCaps.inDatabase(jdbc), Clock.systemUTC()),
                        new Ledger(jdbc)));
    }

    /** While set, every connection the pool asks for throws this instead (fault injection). */
    public volatile Supplier<Throwable> fault;

    private DataSource faulty(DataSource real) {
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    Supplier<Throwable> f = fault;
                    if (f != null && method.getName().equals("getConnection")) {
                        throw f.get();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    public static DispatchSettings settings(Duration lease, Duration renewEvery, int workers, String instanceId) {
        return new DispatchSettings(lease, renewEvery, 3, Duration.ofSeconds(1), Duration.ofSeconds(10),
                Duration.ofMillis(500), Duration.ofSeconds(5), 5, Duration.ofMinutes(5), workers, Map.of(),
                Optional.empty(), instanceId);
    }

    public PoolHarness start() {
        signals.start();
        pool.start();
        return this;
    }

    @Override
    public void close() {
        pool.close();
        signals.close();
        memory.close();
        ds.close();
    }

    /** Counts answers; says nothing to anyone. */
    public record CountingReporter(Map<Long, AtomicInteger> answers) implements ResultReporter {
        public CountingReporter() {
            this(new ConcurrentHashMap<>());
        }

        @Override
        public String answer(Execution e, Answer answer, boolean lookFirst) {
            answers.computeIfAbsent(e.id(), k -> new AtomicInteger()).incrementAndGet();
            return "story-" + e.id();
        }

        @Override
        public void retrying(Execution e, String reason, Instant at) {
        }
    }
}
