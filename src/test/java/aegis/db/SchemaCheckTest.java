package aegis.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.config.AegisConfig;
import aegis.testing.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start skips Flyway only when the history records exactly this build's migrations
 * ({@link Migrator#ensureCurrent}); every other history still goes to Flyway, which migrates or
 * fails as it always has.
 */
class SchemaCheckTest {
    private static MigrationManifest shipped() {
        return MigrationManifest.shipped().orElseThrow(() -> new AssertionError(
                MigrationManifest.RESOURCE + " is not on the classpath: the build (process-classes) writes it"));
    }

    @Test
    void theShippedManifestIsTheMigrationsFolderAsFlywayReadsIt() throws IOException {
        List<MigrationManifest.Migration> folder = MigrationManifestWriter.read(Path.of("migrations"));
        assertThat(folder).isNotNull().isNotEmpty();
        assertThat(shipped().migrations()).isEqualTo(folder);
    }

    @Test
    void theManifestIsWhatFlywayWritesInItsHistory() throws SQLException {
        try (TestDatabase.Schema s = TestDatabase.freshSchema("manifest"); Connection c = s.connect()) {
            List<SchemaHistory.Row> rows = SchemaHistory.read(c, null);
            assertThat(SchemaHistory.matches(rows, shipped())).as(rows.toString()).isTrue();
            assertThat(SchemaHistory.matches(SchemaHistory.read(c, s.name()), shipped())).isTrue();
        }
    }

    @Test
    void aCurrentSchemaIsNotHandedToFlyway() {
        try (TestDatabase.Schema s = TestDatabase.freshSchema("current")) {
            Migrator.Outcome o = Migrator.ensureCurrent(s.database());
            assertThat(o.flyway()).isFalse();
            assertThat(o.applied()).isZero();
            assertThat(o.schemaVersion()).isEqualTo(shipped().latestVersion().orElseThrow());
        }
    }

    @Test
    void aMissingMigrationIsAppliedByFlyway() throws SQLException {
        List<MigrationManifest.Migration> all = shipped().migrations();
        String before = all.get(all.size() - 2).version();
        try (TestDatabase.Schema s = TestDatabase.schemaAt("behind", before)) {
            Migrator.Outcome o = Migrator.ensureCurrent(s.database());
            assertThat(o.flyway()).isTrue();
            assertThat(o.applied()).isEqualTo(1);
            assertThat(Migrator.ensureCurrent(s.database()).flyway()).as("current after that").isFalse();
        }
    }

    @Test
    void aChangedMigrationFailsFlywaysValidationAsBefore() throws SQLException {
        try (TestDatabase.Schema s = TestDatabase.freshSchema("changed")) {
            s.execute("UPDATE flyway_schema_history SET checksum = checksum + 1 WHERE version = '"
                    + shipped().latestVersion().orElseThrow() + "'");
            assertThatThrownBy(() -> Migrator.ensureCurrent(s.database()))
                    .isInstanceOf(FlywayException.class).hasMessageContaining("checksum mismatch");
        }
    }

    @Test
    void aFailedMigrationInTheHistoryStopsTheStartInFlyway() throws SQLException {
        try (TestDatabase.Schema s = TestDatabase.freshSchema("failed")) {
            s.execute("UPDATE flyway_schema_history SET success = false WHERE version = '"
                    + shipped().latestVersion().orElseThrow() + "'");
            assertThatThrownBy(() -> Migrator.ensureCurrent(s.database()))
                    .isInstanceOf(FlywayException.class).hasMessageContaining("failed");
        }
    }

    @Test
    void aMigrationThisBuildDoesNotShipIsLeftToFlyway() throws SQLException {
        // Applied by a newer build: Flyway decides (by default it ignores a future migration).
        try (TestDatabase.Schema s = TestDatabase.freshSchema("future")) {
            s.execute("""
                    INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,
                                                       installed_by, execution_time, success)
                    SELECT max(installed_rank) + 1, '9999', 'from a newer build', 'SQL', 'V9999__from_a_newer_build.sql',
                           1, current_user, 1, true FROM flyway_schema_history""");
            Migrator.Outcome o = Migrator.ensureCurrent(s.database());
            assertThat(o.flyway()).isTrue();
            assertThat(o.applied()).isZero();
        }
    }

    @Test
    void anEmptyDatabaseIsMigratedByFlyway() throws SQLException {
        AegisConfig.Database server = TestDatabase.server();
        String name = "t_emptycheck_" + Long.toHexString(System.nanoTime());
        try (Connection c = DriverManager.getConnection(server.url(), server.user(), server.password());
             Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + name);
        }
        String url = server.url() + (server.url().contains("?") ? "&" : "?") + "currentSchema=" + name;
        try (TestDatabase.Schema s = new TestDatabase.Schema(name, new AegisConfig.Database(url, server.user(),
                server.password()), server)) {
            Migrator.Outcome o = Migrator.ensureCurrent(s.database());
            assertThat(o.flyway()).isTrue();
            assertThat(o.applied()).isEqualTo(shipped().migrations().size());
        }
    }

    @Test
    void historyRowsMatchOnlyWhenEveryFieldAgrees() {
        MigrationManifest m = new MigrationManifest(List.of(
                new MigrationManifest.Migration("1", "core", "V1__core.sql", 11),
                new MigrationManifest.Migration("2", "more", "V2__more.sql", 22)));
        SchemaHistory.Row marker = new SchemaHistory.Row(null, "<< Flyway Schema Creation >>", "SCHEMA", "\"s\"", null, true);
        SchemaHistory.Row one = new SchemaHistory.Row("1", "core", "SQL", "V1__core.sql", 11, true);
        SchemaHistory.Row two = new SchemaHistory.Row("2", "more", "SQL", "V2__more.sql", 22, true);
        assertThat(SchemaHistory.matches(List.of(one, two), m)).isTrue();
        assertThat(SchemaHistory.matches(List.of(marker, one, two), m)).as("schema creation marker").isTrue();
        assertThat(SchemaHistory.matches(List.of(one), m)).as("missing").isFalse();
        assertThat(SchemaHistory.matches(List.of(two, one), m)).as("order").isFalse();
        assertThat(SchemaHistory.matches(List.of(one, two, two), m)).as("extra").isFalse();
        assertThat(SchemaHistory.matches(List.of(one, new SchemaHistory.Row("2", "more", "SQL", "V2__more.sql", 23, true)), m))
                .as("checksum").isFalse();
        assertThat(SchemaHistory.matches(List.of(one, new SchemaHistory.Row("2", "more", "SQL", "V2__more.sql", 22, false)), m))
                .as("failed").isFalse();
        assertThat(SchemaHistory.matches(List.of(one, new SchemaHistory.Row("2", "other", "SQL", "V2__more.sql", 22, true)), m))
                .as("description").isFalse();
        assertThat(SchemaHistory.matches(List.of(new SchemaHistory.Row("1", "<< Flyway Baseline >>", "BASELINE",
                "<< Flyway Baseline >>", null, true), two), m)).as("baseline").isFalse();
        assertThat(SchemaHistory.matches(List.of(), new MigrationManifest(List.of()))).as("nothing shipped").isFalse();
    }

    @Test
    void aManifestOlderThanTheFolderBesideItIsNotUsed(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("V1__core.sql"), "SELECT 1;\n");
        MigrationManifest m = new MigrationManifest(MigrationManifestWriter.read(dir));
        assertThat(m.listsFolderOf(dir.toUri().toURL())).isTrue();
        // A migration copied in after the manifest was written (a compile without process-classes).
        Files.writeString(dir.resolve("V2__more.sql"), "SELECT 2;\n");
        assertThat(m.listsFolderOf(dir.toUri().toURL())).isFalse();
        assertThat(m.listsFolderOf(new java.net.URL("jar:" + dir.toUri() + "x.jar!/db/migration"))).as("in a jar").isTrue();
    }

    @Test
    void aFolderWithOtherThanVersionedSqlGetsNoManifest(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("V1__core.sql"), "SELECT 1;\n");
        assertThat(MigrationManifestWriter.read(dir)).hasSize(1);
        Files.writeString(dir.resolve("R__views.sql"), "SELECT 2;\n");
        assertThat(MigrationManifestWriter.read(dir)).isNull();
    }
}
