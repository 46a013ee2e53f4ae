package aegis.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Per-project options, from the {@code projects} section of the YAML file:
 * <pre>
 * projects:
 *   "1200000000000001":
 *     repo: git@github.com:acme/web.git # clone source of per-task worktrees (URL or local path)
 *     code_path: /srv/checkouts/web     # or an existing checkout (worktrees come from a clone of it)
 *     base_branch: main                 # default: the remote's default branch
 *     setup: [npm, ci]                  # argv run in a new worktree (in the sandbox)
 *     push: true                        # push the task's branch to origin after a commit
 *     pr_command: [gh, pr, create, --head, "{branch}", --base, "{base}", --title, "{title}", --body, "{task_url}"]
 *     allowed_agents: [command, llm]    # kinds a tag or custom field may pick (default: the project's own)
 *     on_done: complete                 # or "section:Done" (move to the section of that name)
 *     agent: command                    # agent kind for this project's tasks
 * </pre>
 * {@code AEGIS_DEFAULT_CODE_PATH} and {@code AEGIS_DEFAULT_AGENT} apply where a project names none.
 */
public record ProjectSettings(String projectGid, Optional<String> codePath, DoneAction onDone,
                              Optional<String> agentKind, Repository repository, List<String> allowedAgents,
                              Optional<String> statusField) {
    /** The kind a project runs when neither it nor AEGIS_DEFAULT_AGENT names one. */
    public static final String FALLBACK_KIND = "echo";
    private static final Set<String> KEYS = Set.of("code_path", "on_done", "agent", "repo", "base_branch", "setup",
            "push", "pr_command", "allowed_agents", "approval", "approvers", "approval_timeout", "status_field");

    public ProjectSettings {
        allowedAgents = List.copyOf(allowedAgents);
    }

    /** A project without a status field. */
    public ProjectSettings(String projectGid, Optional<String> codePath, DoneAction onDone, Optional<String> agentKind,
                           Repository repository, List<String> allowedAgents) {
        this(projectGid, codePath, onDone, agentKind, repository, allowedAgents, Optional.empty());
    }

    /** Where a project's coding work comes from and goes to. */
    public record Repository(Optional<String> repo, Optional<String> baseBranch, List<String> setup, boolean push,
                             List<String> prCommand) {
        public static final Repository NONE = new Repository(Optional.empty(), Optional.empty(), List.of(), false,
                List.of());

        public Repository {
            setup = List.copyOf(setup);
            prCommand = List.copyOf(prCommand);
        }
    }

    /** The kind this project's tasks run when no tag or field picks one. */
    public String ownKind() {
        return agentKind.orElse(FALLBACK_KIND);
    }

    /** Whether a task may run {@code kind} here: the project's own, or one it lists. */
    public boolean allows(String kind) {
        return allowedKinds().contains(kind);
    }

    /** The kinds a task may run here: the project's own, then those listed in {@code allowed_agents}. */
    public List<String> allowedKinds() {
        java.util.LinkedHashSet<String> kinds = new java.util.LinkedHashSet<>();
        kinds.add(ownKind());
        kinds.addAll(allowedAgents);
        return List.copyOf(kinds);
    }

    /** What happens to a task in Asana when its agent is done. */
    public sealed interface DoneAction {
        record Complete() implements DoneAction {
        }

        record MoveToSection(String sectionName) implements DoneAction {
        }

        static DoneAction parse(String setting, String value) {
            if (value == null || value.isBlank() || value.equals("complete")) {
                return new Complete();
            }
            if (value.startsWith("section:") && value.length() > "section:".length()) {
                return new MoveToSection(value.substring("section:".length()).trim());
            }
            throw new ConfigException(setting, "must be 'complete' or 'section:<section name>', got '"
                    + value + "'");
        }
    }

    /** All per-project settings, read once. */
    public record All(Map<String, ProjectSettings> byGid, Optional<String> defaultCodePath,
                      Optional<String> defaultAgent) {
        public ProjectSettings forProject(String gid) {
            ProjectSettings p = byGid.get(gid);
            if (p == null) {
                return new ProjectSettings(gid, defaultCodePath, new DoneAction.Complete(), defaultAgent,
                        Repository.NONE, List.of(), Optional.empty());
            }
            return new ProjectSettings(gid, p.codePath().or(() -> defaultCodePath), p.onDone(),
                    p.agentKind().or(() -> defaultAgent), p.repository(), p.allowedAgents(), p.statusField());
        }
    }

    public static All read(Settings settings) {
        Map<String, ProjectSettings> out = new LinkedHashMap<>();
        Object section = settings.section("projects").orElse(null);
        if (section != null && !(section instanceof Map)) {
            throw new ConfigException("projects", "must map project gids to their options");
        }
        if (section instanceof Map<?, ?> projects) {
            projects.forEach((k, v) -> {
                String gid = String.valueOf(k);
                String where = "projects." + gid;
                if (!(v instanceof Map<?, ?> opts)) {
                    throw new ConfigException(where, "must be a mapping of project options " + new java.util.TreeSet<>(KEYS));
                }
                for (Object key : opts.keySet()) {
                    if (!KEYS.contains(String.valueOf(key))) {
                        throw new ConfigException(where + "." + key,
                                "is not a project option; use one of " + new java.util.TreeSet<>(KEYS));
                    }
                }
                Repository repo = new Repository(text(opts, "repo"), text(opts, "base_branch"),
                        strings(opts.get("setup"), where + ".setup"), bool(opts.get("push"), where + ".push"),
                        strings(opts.get("pr_command"), where + ".pr_command"));
                out.put(gid, new ProjectSettings(gid, text(opts, "code_path"),
                        DoneAction.parse(where + ".on_done",
                                opts.get("on_done") == null ? null : String.valueOf(opts.get("on_done"))),
                        text(opts, "agent"), repo,
                        strings(opts.get("allowed_agents"), where + ".allowed_agents"),
                        text(opts, "status_field").map(String::strip).filter(f -> !f.isEmpty())));
            });
        }
        return new All(Map.copyOf(out), settings.string("AEGIS_DEFAULT_CODE_PATH"),
                settings.string("AEGIS_DEFAULT_AGENT"));
    }

    private static Optional<String> text(Map<?, ?> m, String key) {
        Object v = m.get(key);
        return v == null || String.valueOf(v).isBlank() ? Optional.empty() : Optional.of(String.valueOf(v).trim());
    }

    private static boolean bool(Object v, String where) {
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new ConfigException(where, "must be true or false, got '" + v + "'");
    }

    /** An argv or a list of names: a YAML list of plain values (no shell is ever involved). */
    static List<String> strings(Object v, String where) {
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw new ConfigException(where, "must be a YAML list, e.g. [npm, ci] (no shell is involved)");
        }
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (o == null || o instanceof Map || o instanceof List) {
                throw new ConfigException(where, "must be a YAML list of plain values");
            }
            out.add(String.valueOf(o));
        }
        return out;
    }
}
