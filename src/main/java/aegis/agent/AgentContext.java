package aegis.agent;

import java.time.Duration;
import java.util.Map;

/** What the dispatcher offers a running agent. */
public interface AgentContext {
    /** Records an agent event (agent_events) for this execution. Levels: debug, info, warn, error. */
    void event(String eventType, String level, String message, Map<String, Object> data);

    /** How long the agent may still run before the execution times out. */
    Duration remaining();

    /**
     * A step worth showing a person while the run goes on ("Read src/App.java", "Ran mvn test",
     * "Sent the request to …"): shown in the task's progress comment, never recorded as an event.
     */
    default void step(String what) {
    }

    /** Tokens and cost spent so far, where the agent learns them before it ends. */
    default void usageSoFar(Usage usage) {
    }
}
