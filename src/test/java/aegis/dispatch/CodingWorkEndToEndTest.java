package aegis.dispatch;

import static aegis.testing.Eventually.await;
import static aegis.workspace.GitFixtures.git;
import static org.assertj.core.api.Assertions.assertThat;

import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.sim.AsanaSimulator;
import aegis.sim.SimOptions;
import aegis.sync.TaskSignal;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import aegis.workspace.GitFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Coding work end to end with real git, real bwrap and the simulator over HTTP: each task gets its
 * own worktree and branch, committed, pushed to a bare origin and given a (fake) pull request; a
 * follow-up resumes the recorded CLI session in the same worktree; and a sandboxed agent reads
 * none of the daemon's secrets and writes nowhere but its worktree.
 */
class CodingWorkEndToEndTest {
    private static final String CANARY_ENV = "canary-daemon-env-5f1e0c2b";
    private static final String CANARY_FILE = "canary-config-file-93d1a7";
    private static TestDatabase.Schema schema;
    private static AsanaSimulator sim;
    private static SimHttp person;
    private static Map<String, Object> world;
    private static String bot;
    private static String human;
    private static String project;
    private static Path dir;
    private static Path origin;

    @BeforeAll
    static void setUp() throws Exception {
        GitFixtures.requireGitAndBwrap();
        assertThat(System.getenv("AEGIS_SANDBOX_CANARY")).as("surefire sets the canary").isEqualTo(CANARY_ENV);
        schema = TestDatabase.freshSchema("coding_e2e");
        sim = AsanaSimulator.start(0, SimOptions.empty());
        person = new SimHttp(sim.rootUrl());
        world = person.reset(Map.of("seed", "empty", "projects", 1, "tasksPerProject", 0));
        bot = (String) world.get("botUser");
        human = (String) world.get("humanUser");
        @SuppressWarnings("unchecked")
        List<String> projects = (List<String>) world.get("projects");
        project = projects.get(0);
        dir = GitFixtures.dir("coding-e2e");
        origin = GitFixtures.origin(dir);
        Path configFile = dir.resolve("aegis.yaml");
        Files.writeString(configFile, "ASANA_ACCESS_TOKEN: " + CANARY_FILE + "\n");
        // The coding agent: writes its task's own file; on resume, records the session it continued.
        Path agent = GitFixtures.script(dir, "agent.sh", """
                cat > /dev/null
                me=$(basename "$PWD")
                if [ "$1" = "--resume" ]; then
                  echo "resumed $2" > followup.txt
                  answer="Resumed $2 in $PWD"
                else
                  echo "change for $me" > "change-$me.txt"
                  answer="Changed $me in $PWD"
                fi
                printf '{"type":"result","subtype":"success","is_error":false,"result":"%s","session_id":"sess-%s","num_turns":1,"total_cost_usd":0.01,"usage":{"input_tokens":3,"output_tokens":2}}\\n' "$answer" "$me"
                """);
        Path pr = GitFixtures.script(dir, "fake-pr.sh", "echo \"Creating pull request for $1 into $2\"\n"
                + "echo \"https://git.example/acme/demo/pull/$(basename \"$1\")\"");
        agentScript = agent;
        prScript = pr;
    }

    private static Path agentScript;
    private static Path prScript;

    /** The daemon, in process, with this project and command agent configuration. */
    private static TestApp start(Map<String, Object> projectOptions, Map<String, Object> commandOptions) {
        return start(projectOptions, commandOptions, Map.of());
    }

    /** The same, with other projects configured too (their checkouts the sandbox must hide). */
    private static TestApp start(Map<String, Object> projectOptions, Map<String, Object> commandOptions,
                                 Map<String, Object> otherProjects) {
        AegisConfig config = new AegisConfig(schema.database(), new AegisConfig.Asana(sim.baseUrl(),
                (String) world.get("token"), (String) world.get("workspace"), Optional.empty(), List.of(project), 1500),
                Optional.empty(), 0);
        Map<String, Object> s = new HashMap<>();
        s.put("AEGIS_CONFIG", dir.resolve("aegis.yaml").toString());
        s.put("AEGIS_WORKSPACES_DIR", dir.resolve("workspaces").toString());
        s.put("AEGIS_DISPATCH_BACKOFF_SECONDS", "1");
        s.put("AEGIS_DISPATCH_LEASE_SECONDS", "10");
        s.put("AEGIS_DISPATCH_RENEW_SECONDS", "2");
        s.put("AEGIS_AGENT_WORKERS", "3");
        // The daemon user's HOME, as the sandbox sees it: a temporary one holding planted "secrets".
        s.put("HOME", home().toString());
        Map<String, Object> projects = new HashMap<>(otherProjects);
        projects.put(project, projectOptions);
        s.put("projects", projects);
        s.put("agents", Map.of("command", commandOptions));
        return TestApp.start(config, Settings.of(s), Map.of("aegis.sync.enabled", "false",
                "aegis.webhooks.enabled", "false", "aegis.jobs.enabled", "false"));
    }

    private static Path home() {
        return dir.resolve("home");
    }

    @AfterAll
    static void tearDown() {
        if (sim != null) {
            sim.close();
        }
        if (schema != null) {
            schema.drop();
        }
    }

    private static long[] assign(TestApp app, String name) throws Exception {
        String gid = person.createTask(Map.of("project", project, "name", name, "assignee", bot));
        long taskId;
        try (Connection c = schema.connect()) {
            taskId = Mirror.task(c, Mirror.project(c, project), gid, name, bot);
        }
        app.context().getEventPublisher(TaskSignal.class).publishEvent(new TaskSignal.AssignedToBot(taskId, gid, human));
        return new long[] {taskId, Long.parseLong(gid)};
    }

    private static String query(String sql) {
        try (Connection c = schema.connect(); var st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean finished(long taskId, int n) {
        return Integer.parseInt(query("SELECT count(*) FROM task_executions WHERE task_id = " + taskId
                + " AND status IN ('completed', 'failed', 'cancelled')")) >= n;
    }

    private static String answer(String gid, int n) {
        List<String> answers = person.commentsContaining(gid, "— Aegis · run");
        assertThat(answers).hasSizeGreaterThanOrEqualTo(n);
        return answers.get(n - 1);
    }

    @Test
    void threeTasksGetThreeWorktreesBranchesCommitsAndPullRequestsAndAFollowUpResumes() throws Exception {
        try (TestApp app = start(Map.of("agent", "command", "repo", origin.toString(), "push", true,
                "on_done", "section:Review", "pr_command", List.of(prScript.toString(), "{branch}", "{base}", "{title}")),
                Map.of("argv", List.of(agentScript.toString()),
                        "resume_argv", List.of(agentScript.toString(), "--resume", "{session_id}"),
                        "git_author", "Aegis Test <aegis@example.com>", "timeout", "30s", "sandbox_network", false,
                        "kill_grace", "1s"))) {
            threeTasksAndAFollowUp(app);
        }
    }

    private void threeTasksAndAFollowUp(TestApp app) throws Exception {
        List<long[]> tasks = new ArrayList<>();
        for (String name : List.of("Fix the login page", "Add a health check", "Write the changelog")) {
            tasks.add(assign(app, name));
        }
        await("three answers", Duration.ofSeconds(60), () -> tasks.stream().allMatch(t -> finished(t[0], 1)));

        for (long[] t : tasks) {
            String gid = String.valueOf(t[1]);
            String branch = query("SELECT branch FROM workspaces WHERE task_id = " + t[0]);
            assertThat(branch).startsWith("aegis/" + gid + "-");
            String sha = git(origin, "rev-parse", "refs/heads/" + branch);
            assertThat(git(origin, "rev-list", "--count", "main.." + branch)).as("one commit").isEqualTo("1");
            assertThat(git(origin, "diff", "--name-only", "main", branch)).as("only its own change")
                    .isEqualTo("change-" + gid + ".txt");
            assertThat(git(origin, "log", "-1", "--format=%an <%ae>|%s", branch))
                    .startsWith("Aegis Test <aegis@example.com>|");
            String body = answer(gid, 1);
            assertThat(body).contains("Changed " + gid + " in " + dir.resolve("workspaces").resolve(project).resolve(gid))
                    .contains("Branch: " + branch)
                    .contains("Commit: " + sha.substring(0, 7))
                    .contains("change-" + gid + ".txt +1 -0")
                    .contains("Pull request: https://git.example/acme/demo/pull/" + branch.substring("aegis/".length()));
            assertThat(query("SELECT string_agg(event_type, ',' ORDER BY e.id) FROM agent_events e JOIN task_executions x "
                    + "ON x.id = e.execution_id WHERE x.task_id = " + t[0]))
                    .contains("worktree_ready,process_started").contains("committed,pushed,pull_request");
        }
        System.out.println("Sample answer comment:\n" + answer(String.valueOf(tasks.get(0)[1]), 1));

        // A follow-up: the person comments; the run resumes the recorded session in the same worktree.
        long[] first = tasks.get(0);
        String gid = String.valueOf(first[1]);
        Map<String, Object> c = person.comment(gid, "Please also add a note", human);
        try (Connection conn = schema.connect()) {
            Mirror.comment(conn, first[0], (String) c.get("gid"), human, "Please also add a note");
        }
        app.context().getEventPublisher(TaskSignal.class).publishEvent(
                new TaskSignal.PersonCommented(first[0], gid, (String) c.get("gid"), human));
        await("the follow-up's answer", Duration.ofSeconds(60), () -> finished(first[0], 2));
        String followUp = answer(gid, 2);
        assertThat(followUp).contains("Resumed sess-" + gid + " in "
                + dir.resolve("workspaces").resolve(project).resolve(gid));
        String branch = query("SELECT branch FROM workspaces WHERE task_id = " + first[0]);
        assertThat(git(origin, "rev-list", "--count", "main.." + branch)).isEqualTo("2");
        assertThat(git(origin, "show", branch + ":followup.txt")).isEqualTo("resumed sess-" + gid);
        assertThat(followUp).contains("followup.txt +1 -0").doesNotContain("change-" + gid);
        assertThat(query("SELECT count(*) FROM workspaces WHERE lock_token IS NOT NULL")).as("locks released")
                .isEqualTo("0");
    }

    @Test
    void aSandboxedAgentReadsNoSecretAndWritesOnlyInItsWorktree() throws Exception {
        Path probe = GitFixtures.script(dir, "probe.sh", """
                cat > /dev/null
                {
                  cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'
                  cat /proc/$PPID/environ 2>/dev/null | tr '\\0' '\\n'
                  cat /proc/1/environ 2>/dev/null | tr '\\0' '\\n'
                  cat "%1$s" 2>/dev/null
                  env
                } > seen.txt
                touch "%2$s/escaped-root" 2>/dev/null && echo "WROTE:%2$s"
                touch "%3$s/escaped-workspaces" 2>/dev/null && echo "WROTE:%3$s"
                touch /tmp/aegis-sandbox-private-5f1e && echo "TMP-OK"
                ls -A "%3$s" 2>/dev/null | grep -vx "$(basename "$PWD")" | grep -q . && echo "SAW-OTHER-WORKSPACES"
                cat "%3$s/decoy/secret.txt" 2>/dev/null && echo "SAW-OTHER-WORKSPACES"
                echo hello > mine.txt && echo "WORKTREE-OK"
                cat "%4$s/.ssh/id_test" 2>/dev/null && echo "SAW-HOME-SECRET"
                cat "%5$s/secret.txt" 2>/dev/null && echo "SAW-OTHER-PROJECT"
                grep -q login-ok "%4$s/.config/cli/login" 2>/dev/null && echo "LOGIN-OK"
                [ "$HOME" = "%4$s" ] && echo fresh > "$HOME/scratch" && echo "HOME-WRITABLE"
                true
                """.formatted(dir.resolve("aegis.yaml"), dir, dir.resolve("workspaces").resolve(project), home(),
                dir.resolve("other-checkout")));
        // The daemon user's keys, another project's checkout, and a CLI login the operator re-exposes.
        Files.createDirectories(home().resolve(".ssh"));
        Files.writeString(home().resolve(".ssh/id_test"), "daemon user's private key");
        Files.createDirectories(home().resolve(".config/cli"));
        Files.writeString(home().resolve(".config/cli/login"), "login-ok");
        Files.createDirectories(dir.resolve("other-checkout"));
        Files.writeString(dir.resolve("other-checkout/secret.txt"), "another project's code");
        // Another task's worktree, as it would be on disk: the probe must not see it.
        Files.createDirectories(dir.resolve("workspaces").resolve(project).resolve("decoy"));
        Files.writeString(dir.resolve("workspaces").resolve(project).resolve("decoy/secret.txt"), "other task");
        long[] t;
        try (TestApp app = start(Map.of("agent", "command", "repo", origin.toString(), "on_done", "section:Review"),
                Map.of("argv", List.of(probe.toString()), "timeout", "30s", "kill_grace", "1s",
                        "sandbox_readonly", List.of(home().resolve(".config/cli").toString())),
                Map.of("1999000111", Map.of("code_path", dir.resolve("other-checkout").toString())))) {
            t = assign(app, "Probe the sandbox");
            long taskId = t[0];
            await("the probe's answer", Duration.ofSeconds(60), () -> finished(taskId, 1));
        }
        String body = answer(String.valueOf(t[1]), 1);
        assertThat(body).contains("WORKTREE-OK").contains("TMP-OK")
                .doesNotContain("SAW-OTHER-WORKSPACES")
                .doesNotContain("SAW-HOME-SECRET").doesNotContain("SAW-OTHER-PROJECT")
                .as("an operator-listed sandbox_readonly path stays readable").contains("LOGIN-OK")
                .as("the agent gets a fresh, writable HOME").contains("HOME-WRITABLE");
        assertThat(Files.exists(home().resolve("scratch"))).as("the agent's HOME is not the daemon's").isFalse();
        // Judged on the host: under a checkout in /tmp the probe's writes land in the sandbox's own /tmp.
        assertThat(Files.exists(dir.resolve("escaped-root"))).as("nothing written outside the worktree").isFalse();
        assertThat(Files.exists(dir.resolve("workspaces").resolve(project).resolve("escaped-workspaces")))
                .as("nothing written beside other workspaces").isFalse();
        assertThat(Files.exists(Path.of("/tmp/aegis-sandbox-private-5f1e"))).as("the sandbox's /tmp is its own").isFalse();
        Path worktree = dir.resolve("workspaces").resolve(project).resolve(String.valueOf(t[1]));
        String seen = Files.readString(worktree.resolve("seen.txt"));
        assertThat(seen).as("what the agent could read").isNotBlank()
                .doesNotContain(CANARY_ENV).doesNotContain(CANARY_FILE);
        if (schema.database().password() != null) {
            assertThat(seen).as("the database password").doesNotContain(schema.database().password());
        }
        assertThat(seen).contains("PATH=");
    }

    @Test
    void anAgentThatRedirectsItsGitFileCannotRunCodeThroughThePrCommand() throws Exception {
        Path marker = dir.resolve("fsmonitor-escaped");
        // The agent makes its own git directory with an fsmonitor "hook" and points the worktree's
        // .git file at it: any git the daemon runs there unpinned would run the hook outside the sandbox.
        Path agent = GitFixtures.script(dir, "redirect.sh", """
                cat > /dev/null
                git init -q --bare .evil
                git --git-dir=.evil config core.bare false
                git --git-dir=.evil --work-tree=. add README.md
                printf '#!/bin/sh\\ntouch "%s"\\n' > .fsm && chmod +x .fsm
                git --git-dir=.evil config core.fsmonitor "$PWD/.fsm"
                printf 'gitdir: .evil\\n' > .git
                echo "redirected"
                """.formatted(marker));
        Path pr = GitFixtures.script(dir, "status-pr.sh", "git status > /dev/null 2>&1\n"
                + "git diff --stat HEAD > /dev/null 2>&1\n"
                + "echo \"https://git.example/acme/demo/pull/$(basename \"$1\")\"");
        long[] t;
        try (TestApp app = start(Map.of("agent", "command", "repo", origin.toString(), "push", true,
                "on_done", "section:Review", "pr_command", List.of(pr.toString(), "{branch}")),
                Map.of("argv", List.of(agent.toString()), "timeout", "30s", "kill_grace", "1s"))) {
            t = assign(app, "Redirect the git file");
            long taskId = t[0];
            await("the redirecting run's answer", Duration.ofSeconds(60), () -> finished(taskId, 1));
        }
        assertThat(Files.exists(marker)).as("the agent's fsmonitor command ran outside the sandbox").isFalse();
        Path worktree = dir.resolve("workspaces").resolve(project).resolve(String.valueOf(t[1]));
        assertThat(Files.readString(worktree.resolve(".git")).strip()).as("the .git file is restored")
                .isEqualTo("gitdir: " + dir.resolve("workspaces/.repos/" + project + ".git/worktrees/" + t[1]));
        assertThat(query("SELECT string_agg(event_type, ',') FROM agent_events e JOIN task_executions x "
                + "ON x.id = e.execution_id WHERE x.task_id = " + t[0])).contains("git_file_restored");
        assertThat(answer(String.valueOf(t[1]), 1)).contains("Pull request: https://git.example/acme/demo/pull/");
    }

    @Test
    void aNestedRepositoryTheAgentMadeCannotRunItsFilterOutsideTheSandbox() throws Exception {
        Path marker = dir.resolve("filter-escaped");
        // First run: a repository inside the worktree whose own configuration names a clean filter.
        // Later runs change a file in it: git looking into it on the host (git add checking whether a
        // submodule changed, git status in pr_command) would run the filter there.
        Path agent = GitFixtures.script(dir, "nested.sh", """
                cat > /dev/null
                if [ ! -d sub/.git ]; then
                  mkdir sub && cd sub && git init -q && echo one > f && git add f
                  git -c user.name=A -c user.email=a@example.com commit -qm sub
                  git config filter.evil.clean "sh -c 'touch \\"%s\\"; cat'"
                  printf '* filter=evil\\n' > .gitattributes
                  cd .. && echo "made sub" > top.txt
                else
                  date +%%s%%N > sub/f && echo "again" >> top.txt
                fi
                echo "nested repository run"
                """.formatted(marker));
        Path pr = GitFixtures.script(dir, "status-pr2.sh", "git status > /dev/null 2>&1\n"
                + "echo \"https://git.example/acme/demo/pull/$(basename \"$1\")\"");
        long[] t;
        try (TestApp app = start(Map.of("agent", "command", "repo", origin.toString(), "push", true,
                "on_done", "section:Review", "pr_command", List.of(pr.toString(), "{branch}")),
                Map.of("argv", List.of(agent.toString()), "timeout", "30s", "kill_grace", "1s"))) {
            t = assign(app, "Nest a repository");
            long taskId = t[0];
            String gid = String.valueOf(t[1]);
            await("the first run's answer", Duration.ofSeconds(60), () -> finished(taskId, 1));
            for (int n = 2; n <= 3; n++) {
                Map<String, Object> c = person.comment(gid, "Once more " + n, human);
                try (Connection conn = schema.connect()) {
                    Mirror.comment(conn, taskId, (String) c.get("gid"), human, "Once more " + n);
                }
                app.context().getEventPublisher(TaskSignal.class).publishEvent(
                        new TaskSignal.PersonCommented(taskId, gid, (String) c.get("gid"), human));
                int runs = n;
                await("run " + n + "'s answer", Duration.ofSeconds(60), () -> finished(taskId, runs));
            }
        }
        assertThat(Files.exists(marker)).as("the nested repository's filter ran outside the sandbox").isFalse();
        String branch = query("SELECT branch FROM workspaces WHERE task_id = " + t[0]);
        assertThat(git(origin, "show", branch + ":top.txt")).isEqualTo("made sub\nagain\nagain");
    }

    @Test
    void aCommitIsMarkedToldOnlyOnceTheAnswerNamingItIsRecorded() throws Exception {
        // The person unassigns the task at the moment the commit is marked as told: if that came
        // before the answer was recorded, the run would end cancelled with the commit told to no one.
        schema.execute("""
                CREATE FUNCTION cancel_on_mark() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  UPDATE task_executions SET status = 'cancelled', outcome = 'cancelled', finished_at = now(),
                         lease_owner = NULL, lease_until = NULL
                   WHERE id = NEW.execution_id AND status IN ('pending', 'running') AND outcome IS NULL;
                  RETURN NEW;
                END $$""");
        schema.execute("CREATE TRIGGER cancel_on_mark AFTER UPDATE OF reported_sha ON workspaces FOR EACH ROW "
                + "WHEN (OLD.reported_sha IS NOT NULL AND NEW.reported_sha IS DISTINCT FROM OLD.reported_sha) "
                + "EXECUTE FUNCTION cancel_on_mark()");
        Path agent = GitFixtures.script(dir, "once.sh", """
                cat > /dev/null
                [ -e once.txt ] || { echo "made once" > once.txt; }
                echo "run in $PWD"
                """);
        long[] t;
        try (TestApp app = start(Map.of("agent", "command", "repo", origin.toString(), "push", true,
                "on_done", "section:Review", "pr_command", List.of(prScript.toString(), "{branch}", "{base}", "{title}")),
                Map.of("argv", List.of(agent.toString()), "timeout", "30s", "kill_grace", "1s"))) {
            t = assign(app, "Cancelled while delivering");
            long taskId = t[0];
            await("the first run to end", Duration.ofSeconds(60), () -> finished(taskId, 1));
            await("the worktree let go", Duration.ofSeconds(30),
                    () -> "0".equals(query("SELECT count(*) FROM workspaces WHERE lock_token IS NOT NULL")));
            if ("cancelled".equals(query("SELECT status FROM task_executions WHERE task_id = " + taskId))) {
                // Its answer was never recorded: the person assigns the task again.
                app.context().getEventPublisher(TaskSignal.class).publishEvent(
                        new TaskSignal.AssignedToBot(taskId, String.valueOf(t[1]), human));
                await("the next run's answer", Duration.ofSeconds(60), () -> finished(taskId, 2));
            }
        } finally {
            schema.execute("DROP TRIGGER cancel_on_mark ON workspaces");
            schema.execute("DROP FUNCTION cancel_on_mark()");
        }
        String branch = query("SELECT branch FROM workspaces WHERE task_id = " + t[0]);
        String sha = git(origin, "rev-parse", "refs/heads/" + branch);
        assertThat(answer(String.valueOf(t[1]), 1)).as("an answer tells the commit")
                .contains("Commit: " + sha.substring(0, 7)).contains("once.txt +1 -0");
        assertThat(query("SELECT reported_sha FROM workspaces WHERE task_id = " + t[0])).isEqualTo(sha);
    }
}
