package aegis.sync;

import aegis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.AegisConfig;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimFaults;
import aegis.sim.SimOptions;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A slow full sync (the simulator answering slowly, as under rate limits) stops when asked, not when done. */
class FullSyncStopTest {
    private TestDatabase.Schema schema;
    private AsanaSimulator sim;

    @BeforeEach
    void setUp() {
        schema = TestDatabase.freshSchema("fullsyncstop");
        sim = AsanaSimulator.start(0, SimOptions.of("empty").withProjects(2, 600));
    }

    @AfterEach
    void tearDown() {
        sim.close();
        schema.drop();
    }

    @Test
    void stopEndsARunningSyncAtItsNextPageWithoutSweepingOrRecordingIt() throws Exception {
        AegisConfig config = SimHarness.config(schema, sim, 0, false);
        try (TestApp app = SimHarness.start(config, SimHarness.settings(Map.of()), false)) {
            FullSync sync = app.context().getBean(FullSync.class);
            sim.faults(new SimFaults(0, 0, 400, 0, 0, 1));
            CompletableFuture<FullSync.Result> run = CompletableFuture.supplyAsync(
                    () -> sync.run(Optional.empty(), true));
            Eventually.await("the first page written", Duration.ofSeconds(20),
                    () -> SimHarness.count(schema, "SELECT count(*) FROM tasks") > 0);
            long asked = System.nanoTime();
            sync.stop();
            // 12 pages at 400 ms each remain; one page in flight is all a stop may wait for.
            FullSync.Result r = run.get(3, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(2));
            assertThat(r.failed()).isNotEmpty();
            assertThat(SimHarness.count(schema, "SELECT count(*) FROM tasks")).isLessThan(1200);
            assertThat(SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE deleted")).isZero();
            assertThat(SimHarness.count(schema,
                    "SELECT count(*) FROM system_state WHERE last_full_sync_at IS NOT NULL")).isZero();
        }
    }
}
