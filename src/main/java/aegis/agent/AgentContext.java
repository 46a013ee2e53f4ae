package aegis.agent;

import java.time.Duration;
import java.util.Map;

/** What the dispatcher offers a running agent. */
public interface AgentContext {
    /** Records an agent event (agent_events) for this execution. Levels: debug, info, warn, error. */
    void event(String eventType, String level, String message, Map<String, Object> data);

    /** How long the agent may still run before the execution times out. */
    Duration remaining();
}
