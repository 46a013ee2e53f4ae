package aegis.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/verify-unit (run by .ci/run) guards systemd/aegis.service's hardening: systemd-analyze
 * verify clean, the directives present, none that breaks the JVM or bubblewrap, and the
 * `systemd-analyze security` exposure no higher than the level reached. Each guard is shown
 * to trip on a copy of the unit with one thing undone.
 */
class UnitHardeningTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path UNIT = ROOT.resolve("systemd/aegis.service");

    @Test
    void theUnitPassesVerifyUnit() throws Exception {
        Result r = verifyUnit(UNIT);
        assertThat(r.exit).as("bin/verify-unit on systemd/aegis.service; output: %s", r.out).isZero();
        assertThat(r.out).contains("exposure");
    }

    @Test
    void aMissingSystemCallFilterIsCaught(@TempDir Path dir) throws Exception {
        Result r = verifyUnit(copy(dir, "SystemCallFilter=@system-service @mount sethostname\n", ""));
        assertThat(r.exit).as("bin/verify-unit exit; output: %s", r.out).isEqualTo(1);
        assertThat(r.out).contains("missing SystemCallFilter=@system-service");
    }

    @Test
    void hardeningThatBreaksBubblewrapIsCaught(@TempDir Path dir) throws Exception {
        Result r = verifyUnit(copy(dir, "RestrictNamespaces=user mnt pid ipc uts cgroup net\n",
                "RestrictNamespaces=~user\n# would break bwrap's /proc\nProtectKernelTunables=yes\n"));
        assertThat(r.exit).as("bin/verify-unit exit; output: %s", r.out).isEqualTo(1);
        assertThat(r.out).contains("RestrictNamespaces=~user, expected").contains("ProtectKernelTunables is set");
    }

    @Test
    void aRiseInExposureIsCaught(@TempDir Path dir) throws Exception {
        Result r = verifyUnit(copy(dir, "Group=aegis\n", "Group=aegis\n# shares the kernel keyring\nKeyringMode=shared\n"));
        assertThat(r.exit).as("bin/verify-unit exit; output: %s", r.out).isEqualTo(1);
        assertThat(r.out).contains("exposure 2.9 is above");
    }

    @Test
    void aDirectiveWithoutItsCommentIsCaught(@TempDir Path dir) throws Exception {
        Result r = verifyUnit(copy(dir, "Group=aegis\n", "Group=aegis\nOOMPolicy=stop\n"));
        assertThat(r.exit).as("bin/verify-unit exit; output: %s", r.out).isEqualTo(1);
        assertThat(r.out).contains("no comment above: OOMPolicy=stop");
    }

    /**
     * The unit starts the JVM with the class-data archive that deploy/install.sh's training start
     * writes, in the one writable place the hardening leaves it (the state directory), and never
     * writes the archive itself (that is the training start's job, not every start's).
     */
    @Test
    void theUnitStartsWithTheClassDataArchiveInItsStateDirectory() throws Exception {
        List<String> lines = Files.readAllLines(UNIT);
        String state = lines.stream().filter(l -> l.startsWith("StateDirectory=")).findFirst().orElseThrow()
                .substring("StateDirectory=".length());
        List<String> exec = List.of(lines.stream().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow()
                .substring("ExecStart=".length()).split("\\s+"));
        assertThat(exec).as("ExecStart of systemd/aegis.service")
                .contains("-XX:SharedArchiveFile=/var/lib/" + state + "/aegis.jsa")
                .noneMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit"))
                .noneMatch(a -> a.startsWith("-Xshare:on"));
        assertThat(exec.indexOf("-XX:SharedArchiveFile=/var/lib/" + state + "/aegis.jsa"))
                .as("the archive option comes before -jar (after it, it would be an argument of the daemon)")
                .isLessThan(exec.indexOf("-jar"));
    }

    private static Path copy(Path dir, String from, String to) throws Exception {
        String unit = Files.readString(UNIT);
        assertThat(unit).as("systemd/aegis.service").contains(from);
        Path copy = dir.resolve("aegis.service");
        Files.writeString(copy, unit.replace(from, to));
        return copy;
    }

    private record Result(int exit, String out) {}

    private static Result verifyUnit(Path unit) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("bin/verify-unit").toString()).redirectErrorStream(true);
        pb.environment().put("AEGIS_UNIT", unit.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("bin/verify-unit finished").isTrue();
        assertThat(p.exitValue()).as("bin/verify-unit needs systemd-analyze (systemd >= 252): sudo apt-get install systemd; output: %s", out)
                .isNotEqualTo(2);
        return new Result(p.exitValue(), out);
    }
}
