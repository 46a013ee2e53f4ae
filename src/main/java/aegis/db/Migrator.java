package aegis.db;

import aegis.config.AegisConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies the Flyway migrations packaged under db/migration (the top-level migrations/ folder). */
public final class Migrator {
    private static final Logger LOG = LoggerFactory.getLogger(Migrator.class);

    private Migrator() {
    }

    /** {@code flyway}: false when the history already held exactly this build's migrations. */
    public record Outcome(int applied, String schemaVersion, boolean flyway) {
    }

    /**
     * Makes the schema current, as {@link #migrate} does, but first asks Flyway's history in one
     * query whether it already records exactly the migrations this build ships (the build's
     * {@link MigrationManifest}); then Flyway, whose set-up, scan and validation are a large part
     * of a start, is not needed. Whatever differs, and when the history cannot be read, Flyway runs.
     */
    public static Outcome ensureCurrent(AegisConfig.Database db) {
        Optional<MigrationManifest> manifest = MigrationManifest.shipped();
        if (manifest.isPresent()) {
            try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password())) {
                if (SchemaHistory.matches(SchemaHistory.read(c, null), manifest.get())) {
                    return new Outcome(0, manifest.get().latestVersion().orElseThrow(), false);
                }
            } catch (SQLException e) {
                // No history table yet, or no database: Flyway creates the one and reports the other.
                LOG.debug("event=schema_history_unread error={}", e.getMessage());
            }
        }
        return migrate(db);
    }

    public static Outcome migrate(AegisConfig.Database db) {
        return migrate(db, null);
    }

    /** Migrates; {@code schema} is for tests, which give each class its own schema. */
    public static Outcome migrate(AegisConfig.Database db, String schema) {
        var cfg = Flyway.configure()
                .dataSource(db.url(), db.user(), db.password())
                .locations("classpath:" + MigrationManifest.LOCATION)
                .validateMigrationNaming(true)
                .loggers("slf4j");
        if (schema != null) {
            cfg = cfg.schemas(schema).defaultSchema(schema).createSchemas(true);
        }
        MigrateResult r = cfg.load().migrate();
        return new Outcome(r.migrationsExecuted, r.targetSchemaVersion != null
                ? r.targetSchemaVersion : r.initialSchemaVersion, true);
    }
}
