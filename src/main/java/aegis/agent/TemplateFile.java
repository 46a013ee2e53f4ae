package aegis.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A prompt template file: YAML front matter between {@code ---} lines, then the user prompt.
 * <pre>
 * ---
 * name: default              # letters, digits, _ . -
 * agent_type: default        # the agent kind it serves, or "default" for any kind
 * description: General-purpose prompt
 * tags: [general]
 * variables: [task_name, task_notes, comments, directives]
 * system: |
 *   You work for the team through Asana.
 *   {{directives}}
 * ---
 * Task: {{task_name}}
 * ...
 * </pre>
 */
public record TemplateFile(String source, String name, String agentType, String description, List<String> tags,
                           List<String> variables, String system, String user) {
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}");
    private static final Set<String> KEYS = Set.of("name", "agent_type", "description", "tags", "variables", "system");

    public static TemplateFile read(Path file) {
        try {
            return parse(file.getFileName().toString(), Files.readString(file));
        } catch (IOException e) {
            throw new TemplateRenderer.TemplateException(file + ": cannot read: " + e.getMessage());
        }
    }

    public static TemplateFile parse(String source, String text) {
        String t = text.replace("\r\n", "\n");
        if (!t.startsWith("---\n")) {
            throw bad(source, "must start with a line '---' opening the YAML front matter");
        }
        int end = t.indexOf("\n---\n", 3);
        if (end < 0) {
            throw bad(source, "front matter is not closed by a line '---'");
        }
        Object y;
        try {
            y = new Yaml(new SafeConstructor(new LoaderOptions())).load(t.substring(4, end));
        } catch (RuntimeException e) {
            throw bad(source, "front matter is not valid YAML: " + e.getMessage());
        }
        if (!(y instanceof Map<?, ?> m)) {
            throw bad(source, "front matter must be a YAML mapping");
        }
        for (Object k : m.keySet()) {
            if (!KEYS.contains(String.valueOf(k))) {
                throw bad(source, "unknown field '" + k + "'; fields: " + new java.util.TreeSet<>(KEYS));
            }
        }
        String name = text(m, "name", source, true);
        String agentType = text(m, "agent_type", source, true);
        for (String[] f : new String[][] {{"name", name}, {"agent_type", agentType}}) {
            if (!NAME.matcher(f[1]).matches()) {
                throw bad(source, f[0] + " '" + f[1] + "' may hold only letters, digits, _ . -");
            }
        }
        String user = t.substring(end + 5).strip();
        if (user.isEmpty()) {
            throw bad(source, "the user prompt (after the front matter) is empty");
        }
        String system = text(m, "system", source, false);
        List<String> variables = list(m, "variables", source);
        TemplateFile f = new TemplateFile(source, name, agentType, text(m, "description", source, false),
                list(m, "tags", source), variables, system == null ? "" : system.strip(), user);
        try {
            TemplateRenderer.validate(name, f.system(), f.user(), variables);
        } catch (TemplateRenderer.TemplateException e) {
            throw bad(source, e.getMessage());
        }
        return f;
    }

    private static String text(Map<?, ?> m, String key, String source, boolean required) {
        Object v = m.get(key);
        if (v == null) {
            if (required) {
                throw bad(source, "field '" + key + "' is required");
            }
            return null;
        }
        if (v instanceof Map || v instanceof List) {
            throw bad(source, "field '" + key + "' must be text");
        }
        return String.valueOf(v);
    }

    private static List<String> list(Map<?, ?> m, String key, String source) {
        Object v = m.get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw bad(source, "field '" + key + "' must be a list, e.g. [a, b]");
        }
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            out.add(String.valueOf(o));
        }
        return List.copyOf(out);
    }

    private static TemplateRenderer.TemplateException bad(String source, String why) {
        return new TemplateRenderer.TemplateException(source + ": " + why);
    }
}
