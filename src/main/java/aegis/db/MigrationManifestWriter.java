package aegis.db;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.internal.resolver.ChecksumCalculator;
import org.flywaydb.core.internal.resource.ResourceName;
import org.flywaydb.core.internal.resource.ResourceNameParser;
import org.flywaydb.core.internal.resource.filesystem.FileSystemResource;

/**
 * Build step (pom.xml, process-classes): writes the {@link MigrationManifest} of the migrations
 * folder. Names and checksums come from Flyway's own parser and checksum, so the manifest says
 * what Flyway would write in its history. Only versioned SQL migrations are understood: with any
 * other kind of file there, no manifest is written and every start leaves the decision to Flyway.
 */
public final class MigrationManifestWriter {
    private MigrationManifestWriter() {
    }

    /** {@code args}: the migrations folder, the manifest file to write. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Path out = Path.of(args[1]);
        List<MigrationManifest.Migration> migrations = read(dir);
        Files.deleteIfExists(out);
        if (migrations == null) {
            System.out.println("migration manifest: not written, " + dir + " holds more than versioned SQL migrations");
            return;
        }
        Files.createDirectories(out.getParent());
        Files.writeString(out, new MigrationManifest(migrations).text(), StandardCharsets.UTF_8);
        System.out.println("migration manifest: " + migrations.size() + " migrations in " + out);
    }

    /** The versioned migrations in {@code dir}, in version order; null when it holds anything else. */
    static List<MigrationManifest.Migration> read(Path dir) throws IOException {
        ResourceNameParser parser = new ResourceNameParser(Flyway.configure());
        List<MigrationManifest.Migration> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            String file = f.getFileName().toString();
            ResourceName name = parser.parse(file);
            if (!name.isValid() || !"V".equals(name.getPrefix()) || !".sql".equals(name.getSuffix())) {
                return null;
            }
            int checksum = ChecksumCalculator.calculate(
                    new FileSystemResource(null, f.toString(), StandardCharsets.UTF_8, false));
            out.add(new MigrationManifest.Migration(name.getVersion().getVersion(), name.getDescription(), file,
                    checksum));
        }
        out.sort(Comparator.comparing(m -> MigrationVersion.fromVersion(m.version())));
        return out;
    }
}
