package aegis.agent;

import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The agent kinds this instance can run, by kind name: every {@link Agent} bean. */
@Singleton
public final class AgentKindLookup {
    private final Map<String, Agent> byKind;

    public AgentKindLookup(List<Agent> agents) {
        Map<String, Agent> m = new LinkedHashMap<>();
        for (Agent a : agents) {
            m.putIfAbsent(a.kind(), a);
        }
        this.byKind = Map.copyOf(m);
    }

    public Optional<Agent> find(String kind) {
        return Optional.ofNullable(kind == null ? null : byKind.get(kind));
    }

    public Map<String, Agent> all() {
        return byKind;
    }
}
