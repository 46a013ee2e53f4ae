package aegis.sync;

import aegis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.sim.AsanaSimulator;
import aegis.sim.SimFaults;
import aegis.sim.SimOptions;
import aegis.status.StatusReader;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A slow full sync (the simulator answering slowly, as under rate limits) stops when asked, not
 * when done, and marks synced only the projects whose listing it finished: status derives the
 * last full sync from those marks.
 */
class FullSyncStopTest {
    private TestDatabase.Schema schema;
    private AsanaSimulator sim;
    private TestApp app;

    @BeforeEach
    void setUp() {
        schema = TestDatabase.freshSchema("fullsyncstop");
        sim = AsanaSimulator.start(0, SimOptions.of("empty").withProjects(2, 600));
        app = SimHarness.start(SimHarness.config(schema, sim, 0, false), SimHarness.settings(Map.of()), false);
    }

    @AfterEach
    void tearDown() {
        if (app != null) {
            app.close();
        }
        sim.close();
        schema.drop();
    }

    /** Both projects, every Asana call taking 400 ms: a token and 6 pages each, about 2.8 s a project. */
    private CompletableFuture<FullSync.Result> slowSync(FullSync sync) {
        sim.faults(new SimFaults(0, 0, 400, 0, 0, 1));
        return CompletableFuture.supplyAsync(() -> sync.run(Optional.empty(), true));
    }

    private String statusLastFullSync() {
        return app.context().getBean(StatusReader.class).read(null).lastSyncs().fullSyncAt();
    }

    @Test
    void stopEndsARunningSyncAtItsNextPageWithoutSweepingOrRecordingIt() throws Exception {
        FullSync sync = app.context().getBean(FullSync.class);
        CompletableFuture<FullSync.Result> run = slowSync(sync);
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
        assertThat(SimHarness.count(schema, "SELECT count(*) FROM projects WHERE last_synced_at IS NOT NULL"))
                .as("no project finished its listing").isZero();
        assertThat(statusLastFullSync()).as("status's last full sync").isNull();
    }

    @Test
    void stopDuringTheSecondProjectKeepsTheFirstOnesMarkOnly() throws Exception {
        FullSync sync = app.context().getBean(FullSync.class);
        CompletableFuture<FullSync.Result> run = slowSync(sync);
        Eventually.await("the first project synced", Duration.ofSeconds(30),
                () -> SimHarness.count(schema, "SELECT count(*) FROM projects WHERE last_synced_at IS NOT NULL") > 0);
        sync.stop();
        FullSync.Result r = run.get(3, TimeUnit.SECONDS);

        assertThat(r.projects()).hasSize(1);
        String finished = r.projects().get(0).projectGid();
        assertThat(r.failed()).hasSize(1).doesNotContain(finished);
        assertThat(schema.strings("SELECT asana_gid FROM projects WHERE last_synced_at IS NOT NULL"))
                .as("only the project whose listing completed is marked").containsExactly(finished);
        assertThat(SimHarness.count(schema, "SELECT count(*) FROM tasks t JOIN projects p ON p.id = t.project_id "
                + "WHERE p.asana_gid = '" + r.failed().get(0) + "'")).as("the stopped listing").isLessThan(600);
        assertThat(SimHarness.count(schema, "SELECT count(*) FROM tasks WHERE deleted")).isZero();

        String fullSyncAt = statusLastFullSync();
        assertThat(fullSyncAt).as("status's last full sync: the finished project's").isNotNull();
        assertThat(Instant.parse(fullSyncAt).toEpochMilli()).isEqualTo(SimHarness.count(schema,
                "SELECT floor(extract(epoch FROM last_synced_at) * 1000)::bigint FROM projects WHERE asana_gid = '"
                        + finished + "'"));
    }
}
