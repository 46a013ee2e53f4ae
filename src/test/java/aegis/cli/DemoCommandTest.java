package aegis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.testing.TestDatabase;
import aegis.workspace.GitFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code aegis demo} as a new user runs it: it finishes on its own, exits 0, answers every task,
 * and shows the coding task's answer — worktree, branch, commit, diff stat and the fake pull
 * request — made by the shipped agent in the bwrap sandbox, leaving nothing on disk.
 */
class DemoCommandTest {

    @Test
    void theDemoAnswersEveryTaskIncludingTheCodingOneAndExitsZero() throws Exception {
        GitFixtures.requireGitAndBwrap();
        AegisConfig.Database server = TestDatabase.server();
        Map<String, String> env = new HashMap<>();
        env.put("AEGIS_DATABASE_URL", server.url());
        env.put("AEGIS_DATABASE_USER", server.user());
        env.put("AEGIS_DATABASE_PASSWORD", server.password());
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.execute(Settings.of(env), "demo", "--timeout", "90");
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        assertThat(code).as("exit status; output:%n%s", out).isZero();
        assertThat(out).contains("tasks answered   7 of 7")
                .contains("by the command agent")
                .contains("The coding task's answer (“Add a CONTRIBUTING guide”)");
        String answer = out.substring(out.indexOf("The coding task's answer"));
        assertThat(answer).contains("Added CONTRIBUTING.md").contains("inside the sandbox")
                .containsPattern("Branch: aegis/\\d+-add-a-contributing-guide")
                .containsPattern("Commit: [0-9a-f]{7}")
                .contains("CONTRIBUTING.md +5 -0")
                .contains("Pull request: https://git.example/aegis-demo/docs/pull/1");
        Matcher origin = Pattern.compile("origin (\\S+)/origin\\.git").matcher(out);
        assertThat(origin.find()).as("the demo names its repository").isTrue();
        assertThat(answer).contains("in the worktree " + origin.group(1) + "/workspaces/");
        assertThat(Path.of(origin.group(1))).as("the demo's temporary directory is removed").doesNotExist();
    }
}
