package aegis.cli;

import aegis.config.AegisConfig;
import aegis.db.Jdbc;
import aegis.config.Settings;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Plain JDBC for commands that only read or write a few rows (status, apikey, archive,
 * prompts): they
 * need only the AEGIS_DATABASE_* settings, not the daemon's whole configuration or context.
 */
final class DirectDatabase {
    private DirectDatabase() {
    }

    static Jdbc open(Settings settings) {
        AegisConfig.Database db = AegisConfig.database(settings);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(db.url());
        if (db.user() != null) {
            ds.setUser(db.user());
        }
        if (db.password() != null) {
            ds.setPassword(db.password());
        }
        ds.setConnectTimeout(5);
        ds.setApplicationName("aegis-cli");
        return new Jdbc(ds);
    }
}
