package aegis.agent;

import aegis.db.Jdbc;
import aegis.config.ProjectSettings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * Which agent kind runs a task, first match wins:
 * <ol>
 *   <li>a task tag named {@code <tag_prefix><kind>} — {@code aegis:llm} with the default
 *       prefix ({@code agents.select.tag_prefix});</li>
 *   <li>the task's custom field named by {@code agents.select.custom_field}, when set: its
 *       enum option name or text value is the kind;</li>
 *   <li>the project's {@code projects.<gid>.agent}, else {@code AEGIS_DEFAULT_AGENT};</li>
 *   <li>{@code echo}.</li>
 * </ol>
 * A tag or field naming an unknown kind is an error naming it, not a silent fallback.
 */
@Singleton
public final class ConfiguredAgentSelector implements AgentSelector {
    public static final String FALLBACK_KIND = "echo";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AgentKinds kinds;
    private final ProjectSettings.All projects;
    private final AgentsConfig.Select select;
    private final LongFunction<Optional<String>> customFieldsOfTask;

    @Inject
    public ConfiguredAgentSelector(AgentKinds kinds, ProjectSettings.All projects, AgentsConfig config, Jdbc jdbc) {
        this(kinds, projects, config.select(), taskId -> jdbc.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT custom_fields::text FROM tasks WHERE id = ?")) {
                ps.setLong(1, taskId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.<String>empty();
                }
            }
        }));
    }

    ConfiguredAgentSelector(AgentKinds kinds, ProjectSettings.All projects, AgentsConfig.Select select,
                            LongFunction<Optional<String>> customFieldsOfTask) {
        this.kinds = kinds;
        this.projects = projects;
        this.select = select;
        this.customFieldsOfTask = customFieldsOfTask;
    }

    @Override
    public String kindFor(AgentRequest.TaskView task, AgentRequest.ProjectView project) {
        String prefix = select.tagPrefix().toLowerCase(Locale.ROOT);
        for (String tag : task.tags() == null ? java.util.List.<String>of() : task.tags()) {
            String t = tag == null ? "" : tag.trim().toLowerCase(Locale.ROOT);
            if (!prefix.isEmpty() && t.startsWith(prefix) && t.length() > prefix.length()) {
                return known(t.substring(prefix.length()).trim(), "tag '" + tag + "'");
            }
        }
        if (select.customField().isPresent()) {
            Optional<String> v = customFieldsOfTask.apply(task.id()).flatMap(j -> fieldValue(j, select.customField().get()));
            if (v.isPresent()) {
                return known(v.get(), "custom field '" + select.customField().get() + "'");
            }
        }
        return projects.forProject(project.gid()).agentKind().orElse(FALLBACK_KIND);
    }

    private String known(String kind, String where) {
        String k = kind.toLowerCase(Locale.ROOT);
        if (!kinds.kinds().contains(k)) {
            throw new IllegalArgumentException(where + " names agent kind '" + k + "', which does not exist; known kinds: "
                    + kinds.kinds());
        }
        return k;
    }

    /** The value of the custom field {@code name} in Asana's custom_fields array, if set. */
    static Optional<String> fieldValue(String customFieldsJson, String name) {
        try {
            JsonNode arr = JSON.readTree(customFieldsJson);
            for (JsonNode f : arr) {
                if (name.equalsIgnoreCase(f.path("name").asText())) {
                    for (String v : new String[] {f.path("enum_value").path("name").asText(""),
                            f.path("text_value").asText(""), f.path("display_value").asText("")}) {
                        if (!v.isBlank() && !"null".equals(v)) {
                            return Optional.of(v.trim());
                        }
                    }
                }
            }
        } catch (Exception e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
