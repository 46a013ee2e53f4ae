package aegis.agent;

import aegis.config.ConfigException;
import aegis.workspace.Sandbox;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent kind {@code command}: runs the configured program (an argument vector, never a shell
 * line) in the task's worktree (or, for a project without a repository, its code_path), inside
 * the sandbox ({@link Sandbox}: bubblewrap), with the rendered prompt on standard input. The task's
 * text reaches the program only through standard input. The system prompt is written
 * first on standard input, followed by a line {@code ---} and the user prompt — or, with
 * {@code agents.command.system_prompt_flag}, passed after that flag as one argument
 * (system prompts may only use operator-controlled variables, so no task text either).
 *
 * <p>The program runs in a process group of its own ({@code setsid}); a timeout, a
 * cancellation or the end of the run kills the whole group. Standard output and error are
 * read as they come, keeping at most {@code max_output_bytes} each (head and tail).
 *
 * <p>Past 300 lines because one run of one process is followed here from start to outcome (argv,
 * sandbox, timeout, kill, output, the CLI's result); splitting it would scatter that one story.
 */
@Singleton
public final class CommandAgent implements Agent {
    private static final Logger LOG = LoggerFactory.getLogger(CommandAgent.class);
    static final int EXCERPT_BYTES = 16 * 1024;
    static final String SYSTEM_SEPARATOR = "\n\n---\n\n";

    private final Optional<AgentsConfig.Command> config;
    private final Map<String, String> baseEnvironment;
    private final AgentEnvironment environment;
    private final AgentAnswers answers;
    private final Sandbox sandbox;
    private final String setsid;

    @Inject
    public CommandAgent(AgentsConfig config, Sandbox sandbox, AgentAnswers answers) {
        this(config.command(), System.getenv(), Set.of(config.llm().apiKeyEnv()), sandbox, answers);
    }

    /**
     * Refuses to exist (a configuration error, so {@code run} stops at start) when the sandbox is asked
     * for and bwrap is missing; warns at every start when the operator turned the sandbox off.
     */
    public CommandAgent(Optional<AgentsConfig.Command> config, Map<String, String> baseEnvironment,
                        Set<String> extraSecretNames, Sandbox sandbox, AgentAnswers answers) {
        this.config = config;
        this.answers = answers;
        this.baseEnvironment = Map.copyOf(baseEnvironment);
        this.sandbox = sandbox;
        this.environment = new AgentEnvironment(config.map(AgentsConfig.Command::envAllow)
                .orElse(AgentsConfig.DEFAULT_ENV_ALLOW), extraSecretNames);
        List<String> refused = environment.refusedNames();
        if (!refused.isEmpty()) {
            LOG.warn("event=agent_env_refused kind=command names={} reason=secrets_never_passed", refused);
        }
        if (config.isPresent() && config.get().sandbox().enabled() && !sandbox.available()) {
            throw new ConfigException("agents.command.sandbox", Sandbox.installHint());
        }
        if (config.isPresent() && !config.get().sandbox().enabled()) {
            LOG.warn("event=sandbox_off kind=command setting=agents.command.sandbox reason=operator_chose_none "
                    + "risk=agents_run_as_the_daemon_user_and_can_read_its_files");
        }
        this.setsid = resolve("setsid", baseEnvironment.getOrDefault("PATH", "/usr/bin:/bin")).orElse("setsid");
    }

    @Override
    public String kind() {
        return "command";
    }

    /** SIGTERM, the grace period, then SIGKILL until the group is gone (and a second to spare). */
    @Override
    public Duration stopWithin() {
        return stopGrace().plus(ProcessGroup.HARD_KILL_WAIT).plusSeconds(1);
    }

    @Override
    public Duration stopGrace() {
        return config.map(AgentsConfig.Command::killGrace).orElse(Duration.ZERO);
    }

    @Override
    public boolean available() {
        return config.isPresent();
    }

    @Override
    public boolean worksInRepository() {
        return true;
    }

    @Override
    public AgentOutcome run(AgentRequest request, AgentContext context) throws InterruptedException {
        if (config.isEmpty()) {
            return failed(false, "agent kind 'command' is not configured: set agents.command.argv "
                    + "in the YAML file named by AEGIS_CONFIG");
        }
        AgentsConfig.Command cfg = config.get();
        Path dir;
        if (request.worktree().isPresent()) {
            dir = request.worktree().get().path();
        } else {
            Optional<String> codePath = request.project().codePath();
            if (codePath.isEmpty() || codePath.get().isBlank()) {
                return failed(false, "project '" + request.project().name() + "' (" + request.project().gid()
                        + ") has no code_path or repo: set projects." + request.project().gid()
                        + ".repo or .code_path (or AEGIS_DEFAULT_CODE_PATH)");
            }
            dir = Path.of(codePath.get());
        }
        if (!Files.isDirectory(dir) || !Files.isReadable(dir) || !Files.isExecutable(dir)) {
            return failed(false, "code_path " + dir + " of project '" + request.project().name()
                    + "' is missing or not a readable directory");
        }
        Map<String, String> env = environment.build(baseEnvironment);
        List<String> programArgv = cfg.argv();
        Optional<String> resumed = request.resumeSessionId().filter(x -> !cfg.resumeArgv().isEmpty());
        if (resumed.isPresent()) {
            programArgv = cfg.resumeArgv().stream().map(a -> a.replace("{session_id}", resumed.get())).toList();
        }
        Optional<String> program = resolve(programArgv.get(0), env.get("PATH"));
        if (program.isEmpty()) {
            return failed(false, "program '" + programArgv.get(0) + "' of agents.command."
                    + (resumed.isPresent() ? "resume_argv" : "argv") + " was not found "
                    + "(PATH of the agent: " + env.getOrDefault("PATH", "unset") + ")");
        }

        RenderedPrompt prompt = request.prompt();
        String system = prompt.system() == null ? "" : prompt.system();
        List<String> inner = new ArrayList<>();
        inner.add(program.get());
        inner.addAll(programArgv.subList(1, programArgv.size()));
        String stdin;
        if (cfg.systemPromptFlag().isPresent() && !system.isBlank()) {
            inner.add(cfg.systemPromptFlag().get());
            inner.add(system);
            stdin = prompt.user();
        } else {
            stdin = system.isBlank() ? prompt.user() : system + SYSTEM_SEPARATOR + prompt.user();
        }
        List<String> argv = new ArrayList<>();
        argv.add(setsid);
        argv.addAll(sandbox.wrap(cfg.sandbox(), dir, request.worktree(), env, inner));

        Duration timeout = cfg.timeout();
        String timeoutSource = "agents.command.timeout";
        Duration remaining = context.remaining();
        if (remaining != null && remaining.compareTo(timeout) < 0) {
            timeout = remaining.isNegative() || remaining.isZero() ? Duration.ofMillis(1) : remaining;
            timeoutSource = "the execution's remaining time";
        }

        ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile());
        pb.environment().clear();
        // In the sandbox the environment goes in through --setenv; bwrap itself gets none, else its
        // own /proc/1/environ (the sandbox's PID 1) would show the agent whatever it was given.
        if (!cfg.sandbox().enabled()) {
            pb.environment().putAll(env);
        }
        long started = System.nanoTime();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            return failed(false, "could not start " + programArgv.get(0) + ": " + e.getMessage());
        }
        long pgid = process.pid();
        Map<String, Object> startData = new LinkedHashMap<>();
        startData.put("pid", pgid);
        startData.put("program", programArgv.get(0));
        startData.put("cwd", dir.toString());
        startData.put("sandbox", cfg.sandbox().enabled() ? "bwrap" : "none");
        resumed.ifPresent(id -> startData.put("resume_session", id));
        startData.put("timeout_ms", timeout.toMillis());
        startData.put("stdin_bytes", stdin.getBytes(StandardCharsets.UTF_8).length);
        context.event("process_started", "info", "started " + programArgv.get(0), startData);
        LOG.info("event=agent_process_started execution={} pid={} program={}", request.executionId(), pgid,
                programArgv.get(0));

        CappedOutput out = new CappedOutput(cfg.maxOutputBytes());
        CappedOutput err = new CappedOutput(cfg.maxOutputBytes());
        String tag = "agent-" + request.executionId();
        StreamJsonSteps steps = new StreamJsonSteps(context);
        Thread outReader = daemon(tag + "-stdout", () -> drain(process.getInputStream(), out, steps));
        Thread errReader = daemon(tag + "-stderr", () -> drain(process.getErrorStream(), err, null));
        Thread writer = daemon(tag + "-stdin", () -> feed(process.getOutputStream(), stdin));

        boolean exited;
        try {
            exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            boolean gone = ProcessGroup.kill(pgid, cfg.killGrace());
            finishReaders(process, outReader, errReader, writer);
            context.event("process_killed", "warn", "cancelled; process group killed",
                    Map.of("pid", pgid, "group_gone", gone));
            LOG.info("event=agent_process_killed execution={} pid={} reason=interrupted", request.executionId(), pgid);
            throw e;
        }
        long durationMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        if (!exited) {
            boolean gone = ProcessGroup.kill(pgid, cfg.killGrace());
            finishReaders(process, outReader, errReader, writer);
            context.event("process_timed_out", "error", "timed out after " + timeout.toMillis() + " ms; "
                    + "process group killed", Map.of("pid", pgid, "group_gone", gone, "timeout_ms", timeout.toMillis()));
            LOG.info("event=agent_process_killed execution={} pid={} reason=timeout", request.executionId(), pgid);
            return new AgentOutcome.Failed(false, "timed out after " + describe(timeout)
                    + " (" + timeoutSource + "); the process group was killed", Usage.NONE,
                    excerpt(out, err), null);
        }
        int exit = process.exitValue();
        // Whatever the program left running in its group ends with the run.
        if (!ProcessGroup.members(pgid).isEmpty()) {
            ProcessGroup.kill(pgid, cfg.killGrace());
        }
        finishReaders(process, outReader, errReader, writer);
        Map<String, Object> exitData = new LinkedHashMap<>();
        exitData.put("exit_code", exit);
        exitData.put("duration_ms", durationMs);
        exitData.put("stdout_bytes", out.totalBytes());
        exitData.put("stderr_bytes", err.totalBytes());
        exitData.put("truncated", out.truncated() || err.truncated());
        context.event("process_exited", exit == 0 ? "info" : "warn", "exited with status " + exit, exitData);
        return outcome(cfg, exit, out, err, context);
    }

    private AgentOutcome outcome(AgentsConfig.Command cfg, int exit, CappedOutput out, CappedOutput err,
                                 AgentContext context) {
        String stdout = out.text();
        String excerpt = excerpt(out, err);
        Optional<AgentAnswers.CliResult> cli = answers.parseCli(stdout);
        Usage usage = cli.map(AgentAnswers.CliResult::usage).orElse(Usage.NONE);
        cli.ifPresent(r -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("num_turns", r.numTurns());
            d.put("session_id", r.sessionId());
            d.put("input_tokens", r.usage().inputTokens());
            d.put("output_tokens", r.usage().outputTokens());
            d.put("cost_usd", r.usage().costUsd());
            d.put("is_error", r.isError());
            context.event("cli_result", "info", "coding-agent CLI result", d);
        });
        if (exit != 0) {
            boolean transientExit = cfg.transientExitCodes().contains(exit);
            String why = lastLine(err.text());
            return new AgentOutcome.Failed(transientExit, "exited with status " + exit
                    + (transientExit ? " (transient)" : "") + (why.isEmpty() ? "" : ": " + why),
                    usage, excerpt, exit);
        }
        if (cli.isPresent()) {
            AgentAnswers.CliResult r = cli.get();
            if (r.isError()) {
                return new AgentOutcome.Failed(false, "the agent reported an error: " + truncate(r.result(), 500),
                        usage, excerpt, exit);
            }
            return AgentAnswers.fromText(r.result(), usage, excerpt, exit);
        }
        if (stdout.isBlank()) {
            return new AgentOutcome.Failed(false, "exited with status 0 but printed nothing on standard output",
                    usage, excerpt, exit);
        }
        return AgentAnswers.fromText(stdout, usage, excerpt, exit);
    }

    private static AgentOutcome failed(boolean transientFailure, String reason) {
        return new AgentOutcome.Failed(transientFailure, reason, Usage.NONE, "", null);
    }

    /** Finds the program as execvp would, on the agent's own PATH. */
    static Optional<String> resolve(String program, String path) {
        if (program.contains("/")) {
            Path p = Path.of(program);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(program) : Optional.empty();
        }
        if (path == null) {
            return Optional.empty();
        }
        for (String d : path.split(File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p.toString());
            }
        }
        return Optional.empty();
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Reads a stream to its end into {@code sink}; stdout also feeds the CLI's steps, as they come. */
    private static void drain(InputStream in, CappedOutput sink, StreamJsonSteps steps) {
        try (in) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                sink.write(buf, 0, n);
                if (steps != null) {
                    steps.feed(buf, 0, n);
                }
            }
        } catch (IOException closed) {
            // the stream was closed because the run ended
        }
    }

    private static void feed(OutputStream os, String text) {
        try (os) {
            os.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the program ended or closed its standard input without reading everything
        }
    }

    /** Waits briefly for the readers; a process outside the group may hold a pipe open. */
    private static void finishReaders(Process p, Thread... threads) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        for (Thread t : threads) {
            long left = until - System.nanoTime();
            try {
                if (left > 0) {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closeQuietly(p.getInputStream());
        closeQuietly(p.getErrorStream());
        closeQuietly(p.getOutputStream());
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // already closed
        }
    }

    static String excerpt(CappedOutput out, CappedOutput err) {
        String o = truncate(out.text(), EXCERPT_BYTES);
        String e = err.text();
        if (e.isBlank()) {
            return o;
        }
        return o + "\n--- stderr ---\n" + truncate(e, EXCERPT_BYTES / 4);
    }

    /** At most {@code max} characters: head and tail with a marker between. */
    static String truncate(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int half = max / 2;
        return s.substring(0, half) + "\n[... " + (s.length() - 2 * half) + " characters omitted ...]\n"
                + s.substring(s.length() - half);
    }

    private static String lastLine(String s) {
        String t = s.strip();
        int i = t.lastIndexOf('\n');
        return truncate(i < 0 ? t : t.substring(i + 1), 300);
    }

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
