package aegis.agent;

import aegis.config.ApprovalSettings;
import aegis.config.ProjectSettings;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which agent kind runs a task, first match wins:
 * <ol>
 *   <li>a task tag named {@code <tag_prefix><kind>} — {@code aegis:llm} with the default
 *       prefix ({@code agents.select.tag_prefix});</li>
 *   <li>the task's custom field named by {@code agents.select.custom_field}, when set: its
 *       enum option name or text value is the kind;</li>
 *   <li>the bot's own {@code bots[].agent}, for a bot that names one;</li>
 *   <li>the project's {@code projects.<gid>.agent}, else {@code AEGIS_DEFAULT_AGENT};</li>
 *   <li>{@code echo}.</li>
 * </ol>
 * A tag or field naming an unknown kind is an error naming it, not a silent fallback.
 */
@Singleton
public final class ConfiguredAgentSelector implements AgentSelector {

    private final AgentKinds kinds;
    private final ProjectSettings.All projects;
    private final AgentsConfig.Select select;

    @Inject
    public ConfiguredAgentSelector(AgentKinds kinds, ProjectSettings.All projects, AgentsConfig config) {
        this(kinds, projects, config.select());
    }

    ConfiguredAgentSelector(AgentKinds kinds, ProjectSettings.All projects, AgentsConfig.Select select) {
        this.kinds = kinds;
        this.projects = projects;
        this.select = select;
    }

    @Override
    public String kindFor(AgentRequest.TaskView task, AgentRequest.ProjectView project) {
        return kindFor(task, project, Optional.empty());
    }

    @Override
    public String kindFor(AgentRequest.TaskView task, AgentRequest.ProjectView project, Optional<String> botKind) {
        String prefix = select.tagPrefix().toLowerCase(Locale.ROOT);
        for (String tag : task.tags() == null ? java.util.List.<String>of() : task.tags()) {
            String t = tag == null ? "" : tag.trim().toLowerCase(Locale.ROOT);
            if (t.equals(ApprovalSettings.APPROVE_TAG)) {
                continue; // asks for approval, names no kind
            }
            if (!prefix.isEmpty() && t.startsWith(prefix) && t.length() > prefix.length()) {
                return known(t.substring(prefix.length()).trim(), "tag '" + tag + "'");
            }
        }
        if (select.customField().isPresent()) {
            Optional<String> v = fieldValue(task.customFields(), select.customField().get());
            if (v.isPresent()) {
                return known(v.get(), "custom field '" + select.customField().get() + "'");
            }
        }
        if (botKind.isPresent()) {
            return known(botKind.get(), "the bot's agent");
        }
        return projects.forProject(project.gid()).ownKind();
    }

    private String known(String kind, String where) {
        String k = kind.toLowerCase(Locale.ROOT);
        if (!kinds.kinds().contains(k)) {
            throw new IllegalArgumentException(where + " names agent kind '" + k + "', which does not exist; known kinds: "
                    + kinds.kinds());
        }
        return k;
    }

    /** The value of the custom field {@code name} (Asana compares field names without case), if set. */
    private static Optional<String> fieldValue(Map<String, String> fields, String name) {
        if (fields == null) {
            return Optional.empty();
        }
        return fields.entrySet().stream().filter(f -> f.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                .filter(v -> v != null && !v.isBlank()).map(String::trim).findFirst();
    }
}
