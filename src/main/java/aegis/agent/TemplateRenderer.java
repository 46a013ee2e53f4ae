package aegis.agent;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code {{variable}}} substitution. A template declares the variables it uses; using an
 * undeclared one, declaring one Aegis does not know, or rendering without a value for one
 * is an error naming it. System prompts may use only the operator's variables
 * ({@code directives}, {@code code_path}, {@code persona}): the task's text from Asana belongs in the user
 * prompt, which is why a command agent may pass the system prompt as an argument.
 */
public final class TemplateRenderer {
    public static final Pattern VARIABLE = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*}}");
    /** Every variable Aegis fills, in the order the docs list them. */
    public static final List<String> KNOWN = List.of("task_name", "task_notes", "comments", "project_name",
            "permalink", "due_date", "code_path", "directives", "task_gid", "persona", "memory");
    public static final Set<String> SYSTEM_SAFE = Set.of("directives", "code_path", "persona");

    private TemplateRenderer() {
    }

    /** A template that breaks the rules above. */
    public static final class TemplateException extends RuntimeException {
        public TemplateException(String message) {
            super(message);
        }
    }

    public static Set<String> used(String text) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = VARIABLE.matcher(text == null ? "" : text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** Checks a template before it is stored. */
    public static void validate(String name, String system, String user, List<String> declared) {
        for (String v : declared) {
            if (!KNOWN.contains(v)) {
                throw new TemplateException("template " + name + " declares unknown variable '" + v
                        + "'; known variables: " + KNOWN);
            }
        }
        for (String v : used(system)) {
            if (!declared.contains(v)) {
                throw new TemplateException("template " + name + " uses undeclared variable '" + v
                        + "' in its system prompt; add it to variables");
            }
            if (!SYSTEM_SAFE.contains(v)) {
                throw new TemplateException("template " + name + " uses task variable '" + v
                        + "' in its system prompt; only " + SYSTEM_SAFE + " may appear there "
                        + "(put task text in the user prompt)");
            }
        }
        for (String v : used(user)) {
            if (!declared.contains(v)) {
                throw new TemplateException("template " + name + " uses undeclared variable '" + v
                        + "'; add it to variables");
            }
        }
    }

    public static String render(String templateName, String text, List<String> declared, Map<String, String> values) {
        Matcher m = VARIABLE.matcher(text == null ? "" : text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = m.group(1);
            if (!declared.contains(v)) {
                throw new IllegalStateException("template " + templateName + " uses undeclared variable '" + v + "'");
            }
            String value = values.get(v);
            if (value == null) {
                throw new IllegalStateException("template " + templateName + " needs variable '" + v
                        + "' but no value was provided");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /**
     * The values Aegis provides; absent task data is spelled out, never an empty string. The
     * operator's texts ({@code directives}, {@code persona}) are empty when none is configured.
     */
    public static Map<String, String> values(AgentRequest.TaskView task, List<AgentRequest.CommentView> thread,
                                             AgentRequest.ProjectView project, String directives, String persona) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("task_name", task.name() == null || task.name().isBlank() ? "(untitled task)" : task.name());
        v.put("task_notes", task.notes() == null || task.notes().isBlank() ? "(no notes)" : task.notes().strip());
        v.put("task_gid", task.gid());
        v.put("comments", comments(thread));
        v.put("project_name", project.name() == null || project.name().isBlank() ? "(unnamed project)" : project.name());
        v.put("permalink", task.permalinkUrl() == null ? "(no link)" : task.permalinkUrl());
        v.put("due_date", task.dueAt() != null ? DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(task.dueAt().atOffset(ZoneOffset.UTC))
                : task.dueOn() != null ? task.dueOn().toString() : "(no due date)");
        v.put("code_path", project.codePath().filter(p -> !p.isBlank()).orElse("(no code path)"));
        v.put("directives", directives == null ? "" : directives.strip());
        v.put("persona", persona == null ? "" : persona.strip());
        // What the project recalls for the task (task-derived text: user prompt only); empty when
        // there is nothing, and set by whoever recalled it.
        v.put("memory", "");
        return v;
    }

    static String comments(List<AgentRequest.CommentView> thread) {
        if (thread == null || thread.isEmpty()) {
            return "(no comments yet)";
        }
        StringBuilder sb = new StringBuilder();
        for (AgentRequest.CommentView c : thread) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append("- ").append(c.fromBot() ? "Aegis (you)" : c.authorName() == null ? "someone" : c.authorName());
            if (c.createdAt() != null) {
                sb.append(" at ").append(DateTimeFormatter.ISO_INSTANT.format(c.createdAt()));
            }
            sb.append(": ").append(c.text() == null ? "" : c.text().strip());
        }
        return sb.toString();
    }
}
