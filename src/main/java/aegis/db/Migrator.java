package aegis.db;

import aegis.config.AegisConfig;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** Applies the Flyway migrations packaged under db/migration (the top-level migrations/ folder). */
public final class Migrator {
    private Migrator() {
    }

    public record Outcome(int applied, String schemaVersion) {
    }

    public static Outcome migrate(AegisConfig.Database db) {
        return migrate(db, null);
    }

    /** Migrates; {@code schema} is for tests, which give each class its own schema. */
    public static Outcome migrate(AegisConfig.Database db, String schema) {
        var cfg = Flyway.configure()
                .dataSource(db.url(), db.user(), db.password())
                .locations("classpath:db/migration")
                .validateMigrationNaming(true)
                .loggers("slf4j");
        if (schema != null) {
            cfg = cfg.schemas(schema).defaultSchema(schema).createSchemas(true);
        }
        MigrateResult r = cfg.load().migrate();
        return new Outcome(r.migrationsExecuted, r.targetSchemaVersion != null
                ? r.targetSchemaVersion : r.initialSchemaVersion);
    }
}
