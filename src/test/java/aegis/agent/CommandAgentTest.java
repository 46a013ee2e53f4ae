package aegis.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import aegis.workspace.Sandbox;
import aegis.workspace.SandboxPolicy;
import aegis.workspace.WorkspaceSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandAgentTest {
    private static final AgentAnswers ANSWERS = new AgentAnswers(new ObjectMapper());
    static final Sandbox NO_SANDBOX = new Sandbox(new WorkspaceSettings(Path.of("/nonexistent"),
            Duration.ofDays(1), List.of()), Optional.empty());

    @TempDir
    Path dir;

    private Path script(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    private static AgentsConfig.Command cfg(Path program, Duration timeout, Set<Integer> transientCodes,
                                            List<String> envAllow) {
        return new AgentsConfig.Command(List.of(program.toString(), "--fixed", "arg"), timeout, envAllow,
                transientCodes, AgentsConfig.DEFAULT_MAX_OUTPUT_BYTES, Optional.empty(), Duration.ofMillis(500), List.of(),
                AgentsConfig.DEFAULT_GIT_AUTHOR, SandboxPolicy.NONE);
    }

    private CommandAgent agent(AgentsConfig.Command c) {
        // Without the sandbox: these tests follow the agent's processes by their host pids.
        return new CommandAgent(Optional.of(c), System.getenv(), Set.of(), NO_SANDBOX, ANSWERS);
    }

    /** Running, that is: a zombie waiting for init to reap it runs nothing. */
    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException gone) {
            return false;
        }
    }

    private static List<Long> pids(Path file) throws IOException {
        return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).map(String::trim).map(Long::parseLong).toList();
    }

    @Test
    void timeoutKillsTheProcessAndAllItsChildren() throws Exception {
        Path pidFile = dir.resolve("pids");
        // A child, a grandchild re-parented to init, and one that ignores SIGTERM.
        // Durations unique to this run, so the ps check below cannot see another test's sleeps.
        String tag = Long.toString(System.nanoTime() % 1_000_000);
        Path s = script("slow.sh", """
                sleep 300.%2$s & echo $! >> %1$s
                ( sleep 301.%2$s & echo $! >> %1$s ) &
                ( trap '' TERM; exec sleep 302.%2$s ) & echo $! >> %1$s
                echo $$ >> %1$s
                sleep 0.3
                echo started
                wait
                """.formatted(pidFile, tag));
        var ctx = new AgentFixtures.RecordingContext();
        long t0 = System.nanoTime();
        AgentOutcome o = agent(cfg(s, Duration.ofSeconds(2), Set.of(), AgentsConfig.DEFAULT_ENV_ALLOW))
                .run(AgentFixtures.request(dir.toString(), "", "work"), ctx);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        assertThat(o).isInstanceOf(AgentOutcome.Failed.class);
        assertThat(((AgentOutcome.Failed) o).reason()).contains("timed out");
        assertThat(o.outputExcerpt()).contains("started");
        assertThat(took).isLessThan(15_000);
        List<Long> pids = pids(pidFile);
        assertThat(pids).hasSize(4);
        for (long pid : pids) {
            assertThat(alive(pid)).as("pid %d left behind", pid).isFalse();
        }
        long pgid = ((Number) ctx.find("process_started").orElseThrow().data().get("pid")).longValue();
        assertThat(ProcessGroup.members(pgid)).isEmpty();
        assertThat(ctx.find("process_timed_out")).isPresent();
        // ps agrees: no sleep of ours is left
        Process ps = new ProcessBuilder("ps", "-eo", "pid=,args=").start();
        String table = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ps.waitFor();
        assertThat(table).doesNotContain("sleep 300." + tag).doesNotContain("sleep 301." + tag)
                .doesNotContain("sleep 302." + tag);
    }

    @Test
    void theExecutionsRemainingTimeBoundsTheTimeout() throws Exception {
        Path s = script("sleepy.sh", "sleep 30");
        long t0 = System.nanoTime();
        AgentOutcome o = agent(cfg(s, Duration.ofMinutes(5), Set.of(), AgentsConfig.DEFAULT_ENV_ALLOW))
                .run(AgentFixtures.request(dir.toString(), "", "x"), new AgentFixtures.RecordingContext(Duration.ofMillis(800)));
        assertThat(((AgentOutcome.Failed) o).reason()).contains("timed out").contains("remaining time");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(10_000);
    }

    @Test
    void interruptionKillsTheGroupAndThrows() throws Exception {
        Path pidFile = dir.resolve("pids");
        Path s = script("forever.sh", "sleep 303 & echo $! >> " + pidFile + "\necho $$ >> " + pidFile + "\nwait");
        var ctx = new AgentFixtures.RecordingContext();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                agent(cfg(s, Duration.ofMinutes(5), Set.of(), AgentsConfig.DEFAULT_ENV_ALLOW))
                        .run(AgentFixtures.request(dir.toString(), "", "work"), ctx);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((!Files.exists(pidFile) || pids(pidFile).size() < 2) && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        t.interrupt();
        t.join(15_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        for (long pid : pids(pidFile)) {
            assertThat(alive(pid)).as("pid %d left behind", pid).isFalse();
        }
        assertThat(ctx.find("process_killed")).isPresent();
    }

    @Test
    void oversizedOutputIsCappedKeepingHeadAndTail() throws Exception {
        // 200 MB on standard output; the agent keeps 1 MiB of it.
        Path s = script("loud.sh", """
                echo BEGIN
                head -c 209715200 /dev/zero | tr '\\0' 'a'
                echo
                echo END
                head -c 5000000 /dev/zero | tr '\\0' 'e' >&2
                """);
        Runtime rt = Runtime.getRuntime();
        AgentOutcome o = agent(cfg(s, Duration.ofMinutes(2), Set.of(), AgentsConfig.DEFAULT_ENV_ALLOW))
                .run(AgentFixtures.request(dir.toString(), "", "work"), new AgentFixtures.RecordingContext());
        assertThat(o).isInstanceOf(AgentOutcome.Done.class);
        String result = ((AgentOutcome.Done) o).result();
        assertThat(result).startsWith("BEGIN").endsWith("END").contains("bytes omitted");
        assertThat(result.length()).isLessThan(AgentsConfig.DEFAULT_MAX_OUTPUT_BYTES + 200);
        assertThat(o.outputExcerpt().length()).isLessThan(CommandAgent.EXCERPT_BYTES * 2);
        assertThat(rt.totalMemory() - rt.freeMemory()).isLessThan(rt.maxMemory());
    }

    @Test
    void shellMetacharactersInTaskTextReachTheAgentOnlyOnStdin() throws Exception {
        Path argvFile = dir.resolve("argv");
        Path stdinFile = dir.resolve("stdin");
        Path pwned = dir.resolve("pwned");
        Path s = script("record.sh", """
                for a in "$@"; do printf '%%s\\n' "$a" >> %s; done
                cat > %s
                echo recorded
                """.formatted(argvFile, stdinFile));
        String evil = "Fix it $(touch " + pwned + ") `touch " + pwned + "` ; touch " + pwned
                + " && rm -rf ~ | cat > /dev/null & \"quoted\" 'single' $HOME * ? [x] {a,b} <in >out \\ !";
        AgentOutcome o = agent(cfg(s, Duration.ofSeconds(30), Set.of(), AgentsConfig.DEFAULT_ENV_ALLOW))
                .run(AgentFixtures.request(dir.toString(), "Be careful.", evil), new AgentFixtures.RecordingContext());
        assertThat(o).isInstanceOf(AgentOutcome.Done.class);
        assertThat(Files.readAllLines(argvFile)).containsExactly("--fixed", "arg");
        assertThat(Files.readString(stdinFile)).isEqualTo("Be careful." + CommandAgent.SYSTEM_SEPARATOR + evil);
        assertThat(pwned).doesNotExist();
    }

    @Test
    void systemPromptFlagPassesTheSystemPromptAsOneArgument() throws Exception {
        Path argvFile = dir.resolve("argv");
        Path stdinFile = dir.resolve("stdin");
        Path s = script("record.sh", """
                for a in "$@"; do printf '%%s\\n' "$a" >> %s; done
                cat > %s
                echo ok
                """.formatted(argvFile, stdinFile));
        var c = new AgentsConfig.Command(List.of(s.toString(), "-p"), Duration.ofSeconds(30),
                AgentsConfig.DEFAULT_ENV_ALLOW, Set.of(), 4096, Optional.of("--append-system-prompt"),
                Duration.ofMillis(500), List.of(), AgentsConfig.DEFAULT_GIT_AUTHOR, SandboxPolicy.NONE);
        agent(c).run(AgentFixtures.request(dir.toString(), "Operator rules", "task text"),
                new AgentFixtures.RecordingContext());
        assertThat(Files.readAllLines(argvFile)).containsExactly("-p", "--append-system-prompt", "Operator rules");
        assertThat(Files.readString(stdinFile)).isEqualTo("task text");
    }

    @Test
    void environmentHoldsNoneOfAegisSecretsEvenWhenAllowListed() throws Exception {
        Path envFile = dir.resolve("env");
        Path s = script("env.sh", "env > " + envFile + "\necho ok");
        Map<String, String> base = new HashMap<>();
        base.put("PATH", System.getenv("PATH"));
        base.put("HOME", "/home/agent");
        base.put("ASANA_ACCESS_TOKEN", "asana-secret-0001");
        base.put("AEGIS_DATABASE_PASSWORD", "db-secret-0002");
        base.put("AEGIS_SECRET_KEY", "key-secret-0003");
        base.put("ANTHROPIC_API_KEY", "llm-secret-0004");
        base.put("MY_LLM_KEY", "llm-secret-0005");
        base.put("COPY_OF_TOKEN", "asana-secret-0001");
        base.put("NOT_LISTED", "visible-if-leaked");
        List<String> allow = List.of("PATH", "HOME", "ASANA_ACCESS_TOKEN", "AEGIS_DATABASE_PASSWORD",
                "AEGIS_SECRET_KEY", "ANTHROPIC_API_KEY", "MY_LLM_KEY", "COPY_OF_TOKEN");
        var agent = new CommandAgent(Optional.of(cfg(s, Duration.ofSeconds(30), Set.of(), allow)), base,
                Set.of("MY_LLM_KEY"), NO_SANDBOX, ANSWERS);
        AgentOutcome o = agent.run(AgentFixtures.request(dir.toString(), "", "x"), new AgentFixtures.RecordingContext());
        assertThat(o).isInstanceOf(AgentOutcome.Done.class);
        String env = Files.readString(envFile);
        assertThat(env).contains("HOME=/home/agent").contains("PATH=");
        assertThat(env).doesNotContain("secret-000").doesNotContain("ASANA_").doesNotContain("AEGIS_")
                .doesNotContain("ANTHROPIC_API_KEY").doesNotContain("NOT_LISTED");
    }

    @Test
    void missingCodePathIsAPermanentFailureSayingWhy() throws Exception {
        Path s = script("ok.sh", "echo ok");
        var a = agent(cfg(s, Duration.ofSeconds(30), Set.of(), AgentsConfig.DEFAULT_ENV_ALLOW));
        AgentOutcome o = a.run(AgentFixtures.request(dir.resolve("nope").toString(), "", "x"),
                new AgentFixtures.RecordingContext());
        assertThat(o).isInstanceOfSatisfying(AgentOutcome.Failed.class, f -> {
            assertThat(f.transientFailure()).isFalse();
            assertThat(f.reason()).contains("code_path").contains("nope");
        });
        AgentOutcome none = a.run(AgentFixtures.request(null, "", "x"), new AgentFixtures.RecordingContext());
        assertThat(((AgentOutcome.Failed) none).reason()).contains("has no code_path");
    }

    @Test
    void exitStatusMapsToOutcome() throws Exception {
        var ctx = new AgentFixtures.RecordingContext();
        AgentOutcome t = agent(cfg(script("t.sh", "echo busy >&2; exit 75"), Duration.ofSeconds(30), Set.of(75),
                AgentsConfig.DEFAULT_ENV_ALLOW)).run(AgentFixtures.request(dir.toString(), "", "x"), ctx);
        assertThat(t).isInstanceOfSatisfying(AgentOutcome.Failed.class, f -> {
            assertThat(f.transientFailure()).isTrue();
            assertThat(f.exitCode()).isEqualTo(75);
            assertThat(f.reason()).contains("75").contains("busy");
        });
        AgentOutcome p = agent(cfg(script("p.sh", "exit 3"), Duration.ofSeconds(30), Set.of(75),
                AgentsConfig.DEFAULT_ENV_ALLOW)).run(AgentFixtures.request(dir.toString(), "", "x"), ctx);
        assertThat(p).isInstanceOfSatisfying(AgentOutcome.Failed.class,
                f -> assertThat(f.transientFailure()).isFalse());
        AgentOutcome q = agent(cfg(script("q.sh", "cat >/dev/null; echo 'QUESTION: Which branch?'"),
                Duration.ofSeconds(30), Set.of(), AgentsConfig.DEFAULT_ENV_ALLOW))
                .run(AgentFixtures.request(dir.toString(), "", "x"), ctx);
        assertThat(q).isInstanceOfSatisfying(AgentOutcome.Question.class,
                x -> assertThat(x.question()).isEqualTo("Which branch?"));
    }

    @Test
    void codingAgentJsonGivesResultTokensAndCost() throws Exception {
        Path s = script("claude.sh", """
                cat > /dev/null
                echo '{"type":"result","subtype":"success","is_error":false,"duration_ms":2100,"num_turns":4,\
                "result":"Fixed the login page.","session_id":"abc-123","total_cost_usd":0.0421,\
                "usage":{"input_tokens":1200,"cache_creation_input_tokens":300,"cache_read_input_tokens":500,"output_tokens":640}}'
                """);
        var ctx = new AgentFixtures.RecordingContext();
        AgentOutcome o = agent(cfg(s, Duration.ofSeconds(30), Set.of(), AgentsConfig.DEFAULT_ENV_ALLOW))
                .run(AgentFixtures.request(dir.toString(), "", "x"), ctx);
        assertThat(o).isInstanceOfSatisfying(AgentOutcome.Done.class, d -> {
            assertThat(d.result()).isEqualTo("Fixed the login page.");
            assertThat(d.usage().inputTokens()).isEqualTo(2000);
            assertThat(d.usage().outputTokens()).isEqualTo(640);
            assertThat(d.usage().costUsd()).isEqualByComparingTo("0.0421");
            assertThat(d.exitCode()).isZero();
        });
        assertThat(ctx.find("cli_result").orElseThrow().data()).containsEntry("num_turns", 4)
                .containsEntry("session_id", "abc-123");
    }

    @Test
    void unconfiguredOrMissingProgramFailsClearly() throws Exception {
        AgentOutcome o = new CommandAgent(Optional.empty(), Map.of(), Set.of(), CommandAgentTest.NO_SANDBOX, ANSWERS)
                .run(AgentFixtures.request(dir.toString(), "", "x"), new AgentFixtures.RecordingContext());
        assertThat(((AgentOutcome.Failed) o).reason()).contains("agents.command.argv");
        AgentOutcome m = agent(cfg(dir.resolve("no-such-program"), Duration.ofSeconds(5), Set.of(),
                AgentsConfig.DEFAULT_ENV_ALLOW)).run(AgentFixtures.request(dir.toString(), "", "x"),
                new AgentFixtures.RecordingContext());
        assertThat(((AgentOutcome.Failed) m).reason()).contains("no-such-program").contains("not found");
    }

    @Test
    void withoutBwrapTheCommandKindRefusesToStartUnlessTheSandboxIsOffExplicitly() {
        AgentsConfig.Command sandboxed = AgentsConfig.Command.of(List.of("/bin/true"));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> new CommandAgent(Optional.of(sandboxed), Map.of(), Set.of(), NO_SANDBOX, ANSWERS))
                .isInstanceOf(aegis.config.ConfigException.class)
                .hasMessageContaining("agents.command.sandbox").hasMessageContaining("apt-get install bubblewrap")
                .hasMessageContaining("sandbox: none");
        assertThat(new CommandAgent(Optional.of(sandboxed.withSandbox(SandboxPolicy.NONE)), Map.of(), Set.of(),
                NO_SANDBOX, ANSWERS).available()).isTrue();
    }

    @Test
    void aStreamJsonCliReportsItsToolUsesAsStepsWhileItRuns() throws Exception {
        Path go = dir.resolve("go");
        // A scripted coding CLI (Claude Code's stream-json): it goes on only once its second step was seen.
        Path s = script("claude.sh", """
                cat > /dev/null
                echo '{"type":"system","subtype":"init","session_id":"s-1","cwd":"%1$s","tools":["Read","Bash"]}'
                echo 'not json at all'
                echo '{"type":"assistant","message":{"content":[{"type":"text","text":"Looking."},{"type":"tool_use","id":"t1","name":"Read","input":{"file_path":"%1$s/src/App.java"}}],"usage":{"input_tokens":1200,"output_tokens":30}}}'
                echo '{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":"class App {}"}]}}'
                echo '{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t2","name":"Bash","input":{"command":"mvn test"}}],"usage":{"input_tokens":1500,"output_tokens":40}}}'
                echo '{"type":"some_future_type","odd":true}'
                for i in $(seq 1 200); do [ -f %2$s ] && break; sleep 0.05; done
                [ -f %2$s ] || { echo "no step was seen while running" >&2; exit 3; }
                echo '{"type":"result","subtype":"success","is_error":false,"result":"All green.","session_id":"s-1","num_turns":2,"total_cost_usd":0.05,"usage":{"input_tokens":2700,"output_tokens":70}}'
                """.formatted(dir, go));
        List<String> steps = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        List<Usage> spent = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        var ctx = new AgentFixtures.RecordingContext() {
            @Override
            public void step(String what) {
                steps.add(what);
                if (what.startsWith("Ran ")) {
                    try {
                        Files.createFile(go);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }

            @Override
            public void usageSoFar(Usage u) {
                spent.add(u);
            }
        };
        AgentOutcome o = agent(cfg(s, Duration.ofSeconds(30), Set.of(), AgentsConfig.DEFAULT_ENV_ALLOW))
                .run(AgentFixtures.request(dir.toString(), "", "work"), ctx);

        assertThat(o).isInstanceOf(AgentOutcome.Done.class);
        assertThat(((AgentOutcome.Done) o).result()).isEqualTo("All green.");
        assertThat(steps).containsExactly("Read src/App.java", "Ran mvn test");
        assertThat(spent).last().satisfies(u -> assertThat(u.totalTokens()).isEqualTo(1200 + 30 + 1500 + 40));
        assertThat(o.usage().totalTokens()).as("the result's own count is what is recorded").isEqualTo(2770);
    }
}
