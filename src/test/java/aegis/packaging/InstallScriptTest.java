package aegis.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/install.sh runs as root and reads /etc/aegis/aegis.env. It must read it as systemd does
 * (deploy/env-file.sh), never run it as shell code, and hand the database password to the
 * migrating child without putting it on a command line that any local user sees in {@code ps}.
 */
class InstallScriptTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Path ENV_FILE_SH = ROOT.resolve("deploy/env-file.sh");

    @Test
    void hostileContentIsReadAsTextAndNothingRuns(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("pwned");
        Path env = dir.resolve("aegis.env");
        Files.writeString(env, String.join("\n",
                "# comment $(touch " + marker + "-comment)",
                "; also a comment `touch " + marker + "-comment2`",
                "A=$(touch " + marker + ")",
                "B=`touch " + marker + "`",
                "C=\"$(touch " + marker + ") \\\" \\\\ \\$ \\` \\n\"",
                "D='$(touch " + marker + ") \"kept\"'",
                "  E  =  plain value  ",
                "F=\"two",
                "lines\"",
                "G=cont\\",
                "inued",
                "export H=ignored",
                "J=$HOME;${X};$((1+1))",
                "K=",
                "L=\"a\" 'b' c",
                "M=x # not a comment",
                "N=x; touch " + marker,
                "AEGIS_DATABASE_PASSWORD='p@ss w$rd`id`'",
                ""), StandardCharsets.UTF_8);

        Result r = bash(". \"$1\" && env_file_parse \"$2\"", ENV_FILE_SH.toString(), env.toString());

        assertThat(r.exit).as("env_file_parse exit; stderr: %s", r.err).isZero();
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("A", "$(touch " + marker + ")");
        expected.put("B", "`touch " + marker + "`");
        expected.put("C", "$(touch " + marker + ") \" \\ $ ` \\n");
        expected.put("D", "$(touch " + marker + ") \"kept\"");
        expected.put("E", "plain value");
        expected.put("F", "two\nlines");
        expected.put("G", "continued");
        expected.put("J", "$HOME;${X};$((1+1))");
        expected.put("K", "");
        expected.put("L", "abc");
        expected.put("M", "x # not a comment");
        expected.put("N", "x; touch " + marker);
        expected.put("AEGIS_DATABASE_PASSWORD", "p@ss w$rd`id`");
        assertThat(pairs(r.out)).as("what env_file_parse read from the file").containsExactlyEntriesOf(expected);
        assertThat(r.err).as("the invalid name is reported").contains("export H");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("files in %s after parsing: nothing in the env file may have run", dir)
                    .containsExactly("aegis.env");
        }
    }

    @Test
    void theChildGetsTheSecretInItsEnvironmentAndNoCommandLineShowsIt(@TempDir Path dir) throws Exception {
        String secret = "s3cret-" + System.nanoTime();
        Path env = dir.resolve("aegis.env");
        Files.writeString(env, "AEGIS_DATABASE_URL=jdbc:postgresql://db/aegis\nAEGIS_DATABASE_PASSWORD=" + secret + "\n");
        // The child prints its own and every ancestor's command line (up to this JVM), then the variable.
        String child = "p=$$; while [ \"$p\" -gt 1 ]; do echo \"cmdline $p: $(tr '\\0' ' ' < /proc/$p/cmdline)\";"
                + " p=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$p/status); done; echo \"password=$AEGIS_DATABASE_PASSWORD\"";
        String user = bash("id -un").out.trim();

        Result r = bash(". \"$1\" && env_file_run \"$2\" \"$3\" /bin/sh -c \"$4\"",
                ENV_FILE_SH.toString(), env.toString(), user, child);

        assertThat(r.exit).as("env_file_run exit; stderr: %s", r.err).isZero();
        assertThat(r.out).as("the child's output").contains("password=" + secret);
        List<String> cmdlines = r.out.lines().filter(l -> l.startsWith("cmdline ")).toList();
        assertThat(cmdlines).as("command lines of the child and its ancestors").hasSizeGreaterThan(1);
        assertThat(cmdlines).as("no command line carries the password").noneMatch(l -> l.contains(secret));
    }

    @Test
    void installShNeverSourcesTheEnvFileNorPutsThePasswordOnACommandLine() throws Exception {
        List<String> code = Files.readAllLines(ROOT.resolve("deploy/install.sh")).stream()
                .map(String::trim).filter(l -> !l.startsWith("#")).toList();
        assertThat(code).as("deploy/install.sh sources no env file (root would run what it holds)")
                .noneMatch(l -> l.matches(".*(^|[;&|(\\s])(\\.|source)\\s+\\S*aegis\\.env.*"));
        assertThat(code).as("deploy/install.sh puts no secret on a command line (ps shows it)")
                .noneMatch(l -> l.matches(".*(PASSWORD|TOKEN|SECRET_KEY)[A-Z_]*=\"?\\$.*"));
        assertThat(code).as("deploy/install.sh reads the env file with deploy/env-file.sh")
                .anyMatch(l -> l.contains("env_file_run /etc/aegis/aegis.env aegis"));
    }

    /** The archive the unit starts with is made by a training start of the installed unit's own command line. */
    @Test
    void installShTrainsTheArchiveWithTheInstalledUnitsCommandAsTheServiceUser() throws Exception {
        List<String> code = Files.readAllLines(ROOT.resolve("deploy/install.sh")).stream()
                .map(String::trim).filter(l -> !l.startsWith("#")).toList();
        assertThat(code).as("deploy/install.sh reads ExecStart from the unit it installed")
                .anyMatch(l -> l.contains("sed -n 's/^ExecStart=//p' /etc/systemd/system/aegis.service"));
        assertThat(code).as("deploy/install.sh installs deploy/cds-archive.sh beside the jar")
                .anyMatch(l -> l.startsWith("install ") && l.endsWith("/cds-archive.sh\" /opt/aegis/cds-archive.sh"));
        String joined = String.join("\n", code).replace("\\\n", " ");
        assertThat(joined).as("the training start runs as the service user with the service's settings")
                .containsPattern("env_file_run /etc/aegis/aegis\\.env aegis [^\\n]*cds_archive_create "
                        + "[^\\n]*\"\\$archive\" \"\\$\\{unit_cmd\\[@\\]\\}\"");
    }

    private static Map<String, String> pairs(String nulSeparated) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : nulSeparated.split("\0")) {
            if (!kv.isEmpty()) {
                int eq = kv.indexOf('=');
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return m;
    }

    private record Result(int exit, String out, String err) {}

    private static Result bash(String script, String... args) throws Exception {
        assertThat(ENV_FILE_SH).as("deploy/env-file.sh (run the tests from the repository root)").exists();
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", script, "bash"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("bash finished").isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
