package aegis.agent;

import aegis.config.ConfigException;
import aegis.config.Durations;
import aegis.config.Settings;
import aegis.workspace.SandboxPolicy;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code agents:} section of the YAML file, validated. Every bad value raises a
 * {@link ConfigException} naming its key, e.g. {@code agents.command.timeout}. Lengths of
 * time are in the settings' one grammar ({@link Durations}: 500ms, 30s, 10m, 2h, 7d, PT30S).
 * <pre>
 * agents:
 *   command:
 *     argv: [claude, -p, --output-format, json]   # required to use kind "command"
 *     timeout: 30m                  # wall clock; also bounded by the execution's remaining time
 *     env_allow: [PATH, HOME, LANG] # variables passed through (secrets never are)
 *     transient_exit_codes: [75]    # exit codes that mean "try again later"
 *     max_output_bytes: 1048576     # per stream; head and tail kept
 *     system_prompt_flag: --append-system-prompt   # optional; else system prompt goes first on stdin
 *     kill_grace: 5s                # SIGTERM to SIGKILL
 *     resume_argv: [claude, -p, --resume, "{session_id}", --output-format, json]   # follow-ups
 *     git_author: "Aegis &lt;aegis@example.com&gt;"  # author of the commits made after a run
 *     sandbox: bwrap                # or none (then a warning at every start)
 *     sandbox_writable: [/var/lib/aegis/.claude]     # more writable paths (absolute)
 *     sandbox_readonly: [/opt/tools]                # more read-only paths where the root is hidden
 *     sandbox_network: true         # false: no network in the sandbox
 *   llm:
 *     provider: anthropic           # or openai (any OpenAI-compatible chat completions API)
 *     base_url: https://api.anthropic.com
 *     model: claude-sonnet-4-5
 *     max_tokens: 4096
 *     api_key_env: ANTHROPIC_API_KEY
 *     timeout: 120s                 # per HTTP call
 *     max_retries: 4                # for 429, 5xx and connections never made (not timeouts)
 *     retry_base_delay: 1s
 *     prices:                       # USD per million tokens
 *       claude-sonnet-4-5: {input_per_mtok: 3, output_per_mtok: 15}
 *   select:
 *     tag_prefix: "aegis:"          # a task tag "aegis:llm" runs that task with kind llm
 *     custom_field: Agent           # optional: a custom field whose value names the kind
 * </pre>
 */
public record AgentsConfig(Optional<Command> command, Llm llm, Select select) {

    public static final List<String> DEFAULT_ENV_ALLOW =
            List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "USER", "LOGNAME", "TMPDIR");
    public static final int DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

    public static final String DEFAULT_GIT_AUTHOR = "Aegis <aegis@localhost>";

    /**
     * {@code resumeArgv}: used instead of {@code argv} for a follow-up when the task's previous run
     * recorded a CLI session id ({@code {session_id}} replaced in it); empty: always {@code argv}.
     */
    public record Command(List<String> argv, Duration timeout, List<String> envAllow,
                          Set<Integer> transientExitCodes, int maxOutputBytes,
                          Optional<String> systemPromptFlag, Duration killGrace, List<String> resumeArgv,
                          String gitAuthor, SandboxPolicy sandbox) {
        public Command {
            argv = List.copyOf(argv);
            envAllow = List.copyOf(envAllow);
            transientExitCodes = Set.copyOf(transientExitCodes);
            resumeArgv = List.copyOf(resumeArgv);
        }

        public static Command of(List<String> argv) {
            return new Command(argv, Duration.ofMinutes(30), DEFAULT_ENV_ALLOW, Set.of(),
                    DEFAULT_MAX_OUTPUT_BYTES, Optional.empty(), Duration.ofSeconds(5), List.of(), DEFAULT_GIT_AUTHOR,
                    SandboxPolicy.DEFAULT);
        }

        public Command withSandbox(SandboxPolicy policy) {
            return new Command(argv, timeout, envAllow, transientExitCodes, maxOutputBytes, systemPromptFlag,
                    killGrace, resumeArgv, gitAuthor, policy);
        }
    }

    public enum Provider { ANTHROPIC, OPENAI }

    /** Price of a model in USD per million tokens. */
    public record Price(BigDecimal inputPerMtok, BigDecimal outputPerMtok) {
    }

    public record Llm(Provider provider, URI baseUrl, String model, int maxTokens, String apiKeyEnv,
                      Duration timeout, int maxRetries, Duration retryBaseDelay, Map<String, Price> prices) {
        public Llm {
            prices = Map.copyOf(prices);
        }
    }

    public record Select(String tagPrefix, Optional<String> customField) {
    }

    public static AgentsConfig read(Settings settings) {
        Map<?, ?> root = map(settings.section("agents").orElse(null), "agents");
        allowKeys(root, "agents", Set.of("command", "llm", "select"));
        Optional<Command> command = root.get("command") == null ? Optional.empty()
                : Optional.of(command(map(root.get("command"), "agents.command")));
        Llm llm = llm(map(root.get("llm"), "agents.llm"));
        Map<?, ?> sel = map(root.get("select"), "agents.select");
        allowKeys(sel, "agents.select", Set.of("tag_prefix", "custom_field"));
        Select select = new Select(str(sel, "agents.select", "tag_prefix").orElse("aegis:"),
                str(sel, "agents.select", "custom_field"));
        return new AgentsConfig(command, llm, select);
    }

    private static Command command(Map<?, ?> m) {
        String at = "agents.command";
        allowKeys(m, at, Set.of("argv", "timeout", "env_allow", "transient_exit_codes",
                "max_output_bytes", "system_prompt_flag", "kill_grace", "resume_argv", "git_author", "sandbox",
                "sandbox_writable", "sandbox_readonly", "sandbox_network"));
        List<String> argv = strings(m.get("argv"), at + ".argv");
        if (argv.isEmpty() || argv.get(0).isBlank()) {
            throw new ConfigException(at + ".argv", "must be a non-empty list: the program and its "
                    + "arguments, e.g. [claude, -p, --output-format, json] (no shell is involved)");
        }
        Duration timeout = duration(m.get("timeout"), at + ".timeout", Duration.ofMinutes(30));
        List<String> env = m.get("env_allow") == null ? DEFAULT_ENV_ALLOW
                : strings(m.get("env_allow"), at + ".env_allow");
        Set<Integer> transientCodes = new java.util.HashSet<>();
        if (m.get("transient_exit_codes") != null) {
            if (!(m.get("transient_exit_codes") instanceof List<?> l)) {
                throw new ConfigException(at + ".transient_exit_codes", "must be a list of exit codes, e.g. [75]");
            }
            for (Object o : l) {
                transientCodes.add(integer(o, at + ".transient_exit_codes", 1, 255));
            }
        }
        int maxOut = m.get("max_output_bytes") == null ? DEFAULT_MAX_OUTPUT_BYTES
                : integer(m.get("max_output_bytes"), at + ".max_output_bytes", 1024, 256 * 1024 * 1024);
        List<String> resume = m.get("resume_argv") == null ? List.of() : strings(m.get("resume_argv"), at + ".resume_argv");
        if (!resume.isEmpty() && resume.stream().noneMatch(a -> a.contains("{session_id}"))) {
            throw new ConfigException(at + ".resume_argv", "must contain {session_id}, e.g. [claude, -p, --resume, "
                    + "\"{session_id}\", --output-format, json]");
        }
        return new Command(argv, timeout, env, transientCodes, maxOut,
                str(m, at, "system_prompt_flag"),
                duration(m.get("kill_grace"), at + ".kill_grace", Duration.ofSeconds(5)), resume,
                str(m, at, "git_author").orElse(DEFAULT_GIT_AUTHOR), sandbox(m, at));
    }

    /** {@code sandbox: bwrap | none} and its paths; paths must be absolute (they are bound as given). */
    private static SandboxPolicy sandbox(Map<?, ?> m, String at) {
        String mode = str(m, at, "sandbox").orElse("bwrap").toLowerCase(Locale.ROOT);
        if (!mode.equals("bwrap") && !mode.equals("none")) {
            throw new ConfigException(at + ".sandbox", "must be bwrap or none, got '" + mode + "'");
        }
        List<java.nio.file.Path> writable = paths(m.get("sandbox_writable"), at + ".sandbox_writable");
        List<java.nio.file.Path> readonly = paths(m.get("sandbox_readonly"), at + ".sandbox_readonly");
        Object net = m.get("sandbox_network");
        if (net != null && !(net instanceof Boolean)) {
            throw new ConfigException(at + ".sandbox_network", "must be true or false, got '" + net + "'");
        }
        return new SandboxPolicy(mode.equals("bwrap"), writable, readonly, net == null || (Boolean) net);
    }

    private static List<java.nio.file.Path> paths(Object v, String at) {
        if (v == null) {
            return List.of();
        }
        List<java.nio.file.Path> out = new ArrayList<>();
        for (String s : strings(v, at)) {
            java.nio.file.Path p = java.nio.file.Path.of(s);
            if (!p.isAbsolute()) {
                throw new ConfigException(at, "must list absolute paths, got '" + s + "'");
            }
            out.add(p.normalize());
        }
        return out;
    }

    private static Llm llm(Map<?, ?> m) {
        String at = "agents.llm";
        allowKeys(m, at, Set.of("provider", "base_url", "model", "max_tokens", "api_key_env", "timeout",
                "max_retries", "retry_base_delay", "prices"));
        String p = str(m, at, "provider").orElse("anthropic").toLowerCase(Locale.ROOT);
        Provider provider = switch (p) {
            case "anthropic" -> Provider.ANTHROPIC;
            case "openai" -> Provider.OPENAI;
            default -> throw new ConfigException(at + ".provider", "must be anthropic or openai, got '" + p + "'");
        };
        String base = str(m, at, "base_url").orElse(provider == Provider.ANTHROPIC
                ? "https://api.anthropic.com" : "https://api.openai.com/v1");
        URI baseUrl;
        try {
            baseUrl = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
            if (baseUrl.getHost() == null || !Set.of("http", "https").contains(baseUrl.getScheme())) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at + ".base_url", "must be an http(s) URL, got '" + base + "'");
        }
        String model = str(m, at, "model").orElse(provider == Provider.ANTHROPIC
                ? "claude-sonnet-4-5" : "gpt-4o-mini");
        int maxTokens = m.get("max_tokens") == null ? 4096
                : integer(m.get("max_tokens"), at + ".max_tokens", 1, 1_000_000);
        String keyEnv = str(m, at, "api_key_env").orElse(provider == Provider.ANTHROPIC
                ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY");
        if (!keyEnv.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new ConfigException(at + ".api_key_env", "must be the NAME of an environment variable "
                    + "holding the key (never the key itself)");
        }
        Duration timeout = duration(m.get("timeout"), at + ".timeout", Duration.ofSeconds(120));
        int retries = m.get("max_retries") == null ? 4 : integer(m.get("max_retries"), at + ".max_retries", 0, 20);
        Duration base0 = duration(m.get("retry_base_delay"), at + ".retry_base_delay", Duration.ofSeconds(1));
        Map<String, Price> prices = new LinkedHashMap<>();
        Map<?, ?> pm = map(m.get("prices"), at + ".prices");
        pm.forEach((k, v) -> {
            String where = at + ".prices." + k;
            Map<?, ?> pv = map(v, where);
            allowKeys(pv, where, Set.of("input_per_mtok", "output_per_mtok"));
            prices.put(String.valueOf(k), new Price(decimal(pv.get("input_per_mtok"), where + ".input_per_mtok"),
                    decimal(pv.get("output_per_mtok"), where + ".output_per_mtok")));
        });
        return new Llm(provider, baseUrl, model, maxTokens, keyEnv, timeout, retries, base0, prices);
    }

    private static Map<?, ?> map(Object v, String at) {
        if (v == null) {
            return Map.of();
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new ConfigException(at, "must be a YAML mapping");
        }
        return m;
    }

    private static void allowKeys(Map<?, ?> m, String at, Set<String> allowed) {
        for (Object k : m.keySet()) {
            if (!allowed.contains(String.valueOf(k))) {
                throw new ConfigException(at + "." + k, "is not a known option; use one of "
                        + new java.util.TreeSet<>(allowed));
            }
        }
    }

    private static Optional<String> str(Map<?, ?> m, String at, String key) {
        Object v = m.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Map || v instanceof List) {
            throw new ConfigException(at + "." + key, "must be a single value");
        }
        String s = String.valueOf(v).trim();
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    private static List<String> strings(Object v, String at) {
        if (!(v instanceof List<?> l)) {
            throw new ConfigException(at, "must be a YAML list of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (o == null || o instanceof Map || o instanceof List) {
                throw new ConfigException(at, "must be a YAML list of strings");
            }
            out.add(String.valueOf(o));
        }
        return out;
    }

    private static int integer(Object v, String at, int min, int max) {
        try {
            long n = v instanceof Number num ? num.longValue() : Long.parseLong(String.valueOf(v).trim());
            if (n < min || n > max) {
                throw new ConfigException(at, "must be between " + min + " and " + max + ", got " + n);
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw new ConfigException(at, "must be a whole number, got '" + v + "'");
        }
    }

    private static BigDecimal decimal(Object v, String at) {
        if (v == null) {
            throw new ConfigException(at, "is required (USD per million tokens)");
        }
        try {
            BigDecimal d = new BigDecimal(String.valueOf(v).trim());
            if (d.signum() < 0) {
                throw new ConfigException(at, "must not be negative");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new ConfigException(at, "must be a number, got '" + v + "'");
        }
    }

    /** In the settings' one grammar ({@link Durations}): "500ms", "90s", "30m", "2h", "PT1M". */
    static Duration duration(Object v, String at, Duration dflt) {
        return v == null ? dflt : Durations.parse(at, v, Duration.ofMillis(1));
    }
}
