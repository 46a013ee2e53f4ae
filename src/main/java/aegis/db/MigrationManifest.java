package aegis.db;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The migrations this build ships, as Flyway records them in {@code flyway_schema_history}:
 * version, description, script and checksum. Written at build time by
 * {@link MigrationManifestWriter} (with Flyway's own name parser and checksum), so a start can
 * tell from one query that the database already holds exactly these, without Flyway.
 */
public record MigrationManifest(List<Migration> migrations) {
    /** Where the build puts it: outside Flyway's location, so Flyway never takes it for a migration. */
    public static final String RESOURCE = "db/shipped-migrations.tsv";
    /** Flyway's location of the migrations on the classpath. */
    static final String LOCATION = "db/migration";

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

    /**
     * The manifest on the classpath; empty where the build wrote none, or where it no longer lists
     * the migrations folder it sits beside (then Flyway decides alone).
     */
    public static Optional<MigrationManifest> shipped() {
        ClassLoader loader = MigrationManifest.class.getClassLoader();
        MigrationManifest m;
        try (InputStream in = loader.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return Optional.empty();
            }
            m = read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        return m.listsFolderOf(loader.getResource(LOCATION)) ? Optional.of(m) : Optional.empty();
    }

    /**
     * In a jar the manifest was written by the build that packed the migrations beside it. Classes
     * run from a build folder may carry an older manifest than the migrations copied since (a compile
     * without process-classes), so there the folder, cheap to list, must hold exactly its scripts.
     */
    boolean listsFolderOf(URL folder) {
        if (folder == null || !"file".equals(folder.getProtocol())) {
            return true;
        }
        try (Stream<Path> files = Files.list(Path.of(folder.toURI()))) {
            Set<String> present = files.map(f -> f.getFileName().toString()).collect(Collectors.toSet());
            return present.equals(migrations.stream().map(Migration::script).collect(Collectors.toSet()));
        } catch (IOException | URISyntaxException e) {
            return false;
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
