package aegis.db;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The migrations this build ships, as Flyway records them in {@code flyway_schema_history}:
 * version, description, script and checksum. Written at build time by
 * {@link MigrationManifestWriter} (with Flyway's own name parser and checksum), so a start can
 * tell from one query that the database already holds exactly these, without Flyway.
 */
public record MigrationManifest(List<Migration> migrations) {
    /** Where the build puts it: outside Flyway's location, so Flyway never takes it for a migration. */
    public static final String RESOURCE = "db/shipped-migrations.tsv";

    public record Migration(String version, String description, String script, int checksum) {
        String line() {
            return version + '\t' + description + '\t' + script + '\t' + checksum;
        }

        static Migration parse(String line) {
            String[] f = line.split("\t", -1);
            if (f.length != 4) {
                throw new IllegalArgumentException("not a manifest line: " + line);
            }
            return new Migration(f[0], f[1], f[2], Integer.parseInt(f[3]));
        }
    }

    public MigrationManifest {
        migrations = List.copyOf(migrations);
    }

    /** The manifest on the classpath; empty where the build wrote none (then Flyway decides alone). */
    public static Optional<MigrationManifest> shipped() {
        try (InputStream in = MigrationManifest.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            return in == null ? Optional.empty() : Optional.of(read(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    static MigrationManifest read(InputStream in) throws IOException {
        List<Migration> out = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line = r.readLine(); line != null; line = r.readLine()) {
            if (!line.isBlank() && !line.startsWith("#")) {
                out.add(Migration.parse(line));
            }
        }
        return new MigrationManifest(out);
    }

    String text() {
        StringBuilder b = new StringBuilder("# version\tdescription\tscript\tchecksum: the Flyway migrations of this build\n");
        migrations.forEach(m -> b.append(m.line()).append('\n'));
        return b.toString();
    }

    /** The last version, as the schema is once all are applied. */
    public Optional<String> latestVersion() {
        return migrations.isEmpty() ? Optional.empty() : Optional.of(migrations.get(migrations.size() - 1).version());
    }
}
