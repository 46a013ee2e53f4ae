package aegis.agent;

import aegis.config.BotSettings;
import aegis.config.ConfigException;
import aegis.config.ProjectSettings;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every {@link Agent} bean by its kind. Built once; checks that each agent kind named in the
 * per-project and per-bot settings exists (and that {@code command} is configured when it is named).
 */
@Singleton
public final class AgentKinds {
    private final Map<String, Agent> byKind;

    public AgentKinds(List<Agent> agents, ProjectSettings.All projects) {
        this(agents, projects, new BotSettings.All(List.of()));
    }

    @jakarta.inject.Inject
    public AgentKinds(List<Agent> agents, ProjectSettings.All projects, BotSettings.All bots) {
        Map<String, Agent> m = new TreeMap<>();
        for (Agent a : agents) {
            Agent before = m.put(a.kind(), a);
            if (before != null && before != a) {
                throw new IllegalStateException("two agents claim kind '" + a.kind() + "': "
                        + before.getClass().getName() + " and " + a.getClass().getName());
            }
        }
        this.byKind = Map.copyOf(m);
        projects.byGid().forEach((gid, p) -> p.agentKind().ifPresent(k -> check(k, "projects." + gid + ".agent")));
        projects.defaultAgent().ifPresent(k -> check(k, "AEGIS_DEFAULT_AGENT"));
        for (BotSettings b : bots.bots()) {
            b.agent().ifPresent(k -> check(k, "bots." + b.name() + ".agent"));
            b.allowedAgents().forEach(k -> check(k, "bots." + b.name() + ".allowed_agents"));
        }
    }

    private void check(String kind, String setting) {
        Agent a = byKind.get(kind);
        if (a == null) {
            throw new ConfigException(setting, "names agent kind '" + kind + "', which does not exist; known kinds: "
                    + byKind.keySet());
        }
        if (a instanceof CommandAgent && !a.available()) {
            throw new ConfigException("agents.command.argv", "is required because " + setting
                    + " selects agent kind 'command'");
        }
    }

    /** The agent of {@code kind}; an unknown kind is an error naming the known ones. */
    public Agent forKind(String kind) {
        Agent a = byKind.get(kind);
        if (a == null) {
            throw new IllegalArgumentException("unknown agent kind '" + kind + "'; known kinds: " + byKind.keySet());
        }
        return a;
    }

    public java.util.Set<String> kinds() {
        return byKind.keySet();
    }
}
