package aegis.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The jar that {@code mvn package} builds, as the Docker image's build stage runs it, carries
 * the bundled prompt templates and the migrations. Runs in {@code verify}, after the jar exists
 * (Failsafe), since no Docker engine is at hand to build the image itself.
 */
class PackagedJarIT {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path JAR = ROOT.resolve("target/aegis.jar");

    @Test
    void theJarHoldsEveryPromptTemplateAndMigration() throws Exception {
        Set<String> entries = entries();
        for (String template : files("prompts")) {
            assertThat(entries.contains("prompts/" + template))
                    .as("target/aegis.jar holds the bundled template prompts/%s", template).isTrue();
        }
        List<String> migrations = files("migrations");
        assertThat(migrations).as("migrations/ of the repository").anyMatch(m -> m.startsWith("V1__"));
        for (String migration : migrations) {
            assertThat(entries.contains("db/migration/" + migration))
                    .as("target/aegis.jar holds db/migration/%s", migration).isTrue();
        }
    }

    @Test
    void theJarsOwnCodeFindsItsTemplates() throws Exception {
        List<String> expected = files("prompts").stream().filter(f -> f.endsWith(".md")).toList();
        assertThat(expected).as("templates in prompts/ of the repository").isNotEmpty();
        // Only the jar on the class path, as in the image: what DefaultTemplates imports at start.
        try (URLClassLoader jarOnly = new URLClassLoader(new URL[] {jar().toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            Method bundled = jarOnly.loadClass("aegis.agent.DefaultTemplates").getMethod("bundled");
            List<?> templates = (List<?>) bundled.invoke(null);
            assertThat(templates).as("templates aegis.agent.DefaultTemplates.bundled() finds in target/aegis.jar")
                    .hasSameSizeAs(expected);
        }
    }

    private static Set<String> entries() throws Exception {
        try (JarFile jar = new JarFile(jar().toFile())) {
            return jar.stream().map(JarEntry::getName).collect(Collectors.toSet());
        }
    }

    private static Path jar() {
        assertThat(JAR).as("target/aegis.jar is built by 'mvn package'; run this test with 'mvn verify' "
                + "(bin/test does), which packages the jar before integration tests").exists();
        return JAR;
    }

    private static List<String> files(String dir) throws Exception {
        Path d = ROOT.resolve(dir);
        assertThat(d).as("run the tests from the repository root, where %s/ is", dir).isDirectory();
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
