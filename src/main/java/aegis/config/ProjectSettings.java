package aegis.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Per-project options, from the {@code projects} section of the YAML file:
 * <pre>
 * projects:
 *   "1200000000000001":
 *     code_path: /srv/checkouts/web     # working directory of command agents
 *     on_done: complete                 # or "section:Done" (move to the section of that name)
 *     agent: command                    # agent kind for this project's tasks
 * </pre>
 * {@code AEGIS_DEFAULT_CODE_PATH} and {@code AEGIS_DEFAULT_AGENT} apply where a project names none.
 */
public record ProjectSettings(String projectGid, Optional<String> codePath, DoneAction onDone,
                              Optional<String> agentKind) {

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
                return new ProjectSettings(gid, defaultCodePath, new DoneAction.Complete(), defaultAgent);
            }
            return new ProjectSettings(gid, p.codePath().or(() -> defaultCodePath), p.onDone(),
                    p.agentKind().or(() -> defaultAgent));
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
                    throw new ConfigException(where, "must be a mapping with code_path, on_done, agent");
                }
                for (Object key : opts.keySet()) {
                    if (!java.util.Set.of("code_path", "on_done", "agent").contains(String.valueOf(key))) {
                        throw new ConfigException(where + "." + key,
                                "is not a project option; use code_path, on_done or agent");
                    }
                }
                out.put(gid, new ProjectSettings(gid,
                        Optional.ofNullable(opts.get("code_path")).map(String::valueOf),
                        DoneAction.parse(where + ".on_done",
                                opts.get("on_done") == null ? null : String.valueOf(opts.get("on_done"))),
                        Optional.ofNullable(opts.get("agent")).map(String::valueOf)));
            });
        }
        return new All(Map.copyOf(out), settings.string("AEGIS_DEFAULT_CODE_PATH"),
                settings.string("AEGIS_DEFAULT_AGENT"));
    }
}
