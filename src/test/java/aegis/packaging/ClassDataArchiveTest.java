package aegis.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training start of deploy/cds-archive.sh (used by deploy/install.sh, the image build and
 * bench/startup), run for real on a stand-in daemon ({@link HealthStub}): it swaps the command's
 * -XX:SharedArchiveFile for -XX:ArchiveClassesAtExit, stops the JVM with SIGTERM once /health
 * answers, and leaves an archive that a JVM started with the same command maps and loads the
 * application's classes from.
 */
class ClassDataArchiveTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path CDS_SH = ROOT.resolve("deploy/cds-archive.sh");
    private static final Path TEST_CLASSES = ROOT.resolve("target/test-classes");

    @Test
    void theTrainingStartWritesAnArchiveThatTheSameCommandLoadsTheApplicationsClassesFrom(@TempDir Path dir)
            throws Exception {
        Path archive = dir.resolve("aegis.jsa");
        List<String> unitCommand = stubCommand(dir, archive);

        Result training = train(archive, unitCommand);

        assertThat(training.exit).as("cds_archive_create exit; output: %s", training.out).isZero();
        assertThat(archive).as("the archive the training start wrote").isNotEmptyFile();
        assertThat(dir.resolve("aegis.jsa.new")).as("the training's file, moved into place").doesNotExist();
        // -Xshare:on fails the start when the archive does not map; class+load says where the class came from.
        List<String> check = new ArrayList<>(unitCommand);
        check.addAll(1, List.of("-Xshare:on", "-Xlog:class+load=info"));
        check.set(check.size() - 2, "--exit");
        check.set(check.size() - 1, "0");
        Result started = run(check, null);
        assertThat(started.exit).as("the unit's command with -Xshare:on; output: %s", started.out).isZero();
        assertThat(started.out.lines().filter(l -> l.contains(" aegis.packaging.HealthStub ")))
                .as("where the JVM loaded the application's main class from")
                .singleElement().asString().contains("shared objects file");
    }

    @Test
    void aStartThatFailsBeforeHealthAnswersLeavesNoArchive(@TempDir Path dir) throws Exception {
        Path archive = dir.resolve("aegis.jsa");
        Files.writeString(archive, "an archive of an older jar");
        List<String> failing = new ArrayList<>(stubCommand(dir, archive));
        failing.set(failing.size() - 2, "--exit");
        failing.set(failing.size() - 1, "2");

        Result training = train(archive, failing);

        assertThat(training.exit).as("cds_archive_create exit; output: %s", training.out).isEqualTo(1);
        assertThat(training.out).contains("exited (2) before /health answered");
        assertThat(archive).as("the stale archive is removed, no new one written").doesNotExist();
        assertThat(dir.resolve("aegis.jsa.new")).doesNotExist();
    }

    @Test
    void theArchiveOfACommandIsTheFileItsSharedArchiveFileNames() throws Exception {
        Result r = bash(". \"$1\" && cds_archive_of java -XX:+UseSerialGC -XX:SharedArchiveFile=/var/lib/aegis/aegis.jsa"
                + " -jar a.jar run && cds_archive_of java -jar a.jar run", CDS_SH.toString());
        assertThat(r.exit).isZero();
        assertThat(r.out).isEqualTo("/var/lib/aegis/aegis.jsa\n");
    }

    /**
     * The stand-in daemon's command line, shaped like the unit's ExecStart. Its class goes into a
     * jar of its own: the JVM archives classes from jars only, as the daemon's come from aegis.jar.
     */
    private static List<String> stubCommand(Path dir, Path archive) throws IOException {
        Path jar = dir.resolve("stub.jar");
        String entry = HealthStub.class.getName().replace('.', '/') + ".class";
        Path compiled = TEST_CLASSES.resolve(entry);
        assertThat(compiled).as("compiled HealthStub").exists();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry(entry));
            out.write(Files.readAllBytes(compiled));
            out.closeEntry();
        }
        return List.of("java", "-XX:SharedArchiveFile=" + archive, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", jar.toString(), HealthStub.class.getName(), "run", "now");
    }

    private static Result train(Path archive, List<String> command) throws Exception {
        List<String> args = new ArrayList<>(List.of(CDS_SH.toString(), archive.toString()));
        args.addAll(command);
        return bash(". \"$1\" && shift && CDS_TRAINING_SETTLE_SECONDS=0 cds_archive_create \"$@\"",
                args.toArray(String[]::new));
    }

    private record Result(int exit, String out) {}

    private static Result bash(String script, String... args) throws Exception {
        assertThat(CDS_SH).as("deploy/cds-archive.sh (run the tests from the repository root)").exists();
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", script, "bash"));
        cmd.addAll(List.of(args));
        return run(cmd, freePort());
    }

    private static Result run(List<String> cmd, Integer port) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (port != null) {
            pb.environment().put("AEGIS_HTTP_PORT", String.valueOf(port));
        }
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", cmd).isTrue();
        return new Result(p.exitValue(), out);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
