package aegis.agent;

import jakarta.inject.Singleton;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Prompts} on prompt_templates: the active template of the agent type, else the active
 * template of agent type {@code default}; rendered with the task, its thread, its project
 * the global directives ({@code AEGIS_DIRECTIVES} or {@code AEGIS_DIRECTIVES_FILE}) and the bot's persona.
 */
@Singleton
public final class TemplatePrompts implements Prompts {
    private static final Logger LOG = LoggerFactory.getLogger(TemplatePrompts.class);
    public static final String DEFAULT_TYPE = "default";

    private final PromptStore store;
    private final Directives directives;

    public TemplatePrompts(PromptStore store, Directives directives) {
        this.store = store;
        this.directives = directives;
    }

    @Override
    public RenderedPrompt render(String agentType, AgentRequest.TaskView task, List<AgentRequest.CommentView> thread,
                                 AgentRequest.ProjectView project, String persona, String memory) {
        PromptTemplate t = store.active(agentType)
                .or(() -> store.active(DEFAULT_TYPE))
                .orElseThrow(() -> new IllegalStateException("no active prompt template for agent type '" + agentType
                        + "' nor for '" + DEFAULT_TYPE + "'; import one with 'aegis prompts import DIR'"));
        var values = TemplateRenderer.values(task, thread, project, directives.text(), persona);
        values.put("memory", memory == null ? "" : memory.strip());
        String system = TemplateRenderer.render(t.name() + " v" + t.version(), t.systemPrompt(), t.variables(), values);
        // An empty {{memory}} at the end leaves no trailing blank lines.
        String user = TemplateRenderer.render(t.name() + " v" + t.version(), t.userPromptTemplate(), t.variables(), values)
                .stripTrailing();
        LOG.debug("event=prompt_rendered template={} version={} agent_type={}", t.name(), t.version(), agentType);
        return new RenderedPrompt(t.id(), t.name(), t.version(), system, user);
    }

    @Override
    public void recordUsage(long templateId, boolean success, long tokens) {
        store.recordUsage(templateId, success, tokens);
    }
}
