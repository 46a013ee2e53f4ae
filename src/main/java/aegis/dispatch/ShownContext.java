package aegis.dispatch;

import aegis.agent.AgentContext;
import aegis.agent.Usage;
import java.time.Duration;
import java.util.Map;

/** The agent's context during its run: events recorded as before, steps and spend shown as progress. */
record ShownContext(AgentContext events, RunProgress progress) implements AgentContext {
    @Override
    public void event(String eventType, String level, String message, Map<String, Object> data) {
        events.event(eventType, level, message, data);
    }

    @Override
    public Duration remaining() {
        return events.remaining();
    }

    @Override
    public void step(String what) {
        progress.step(what);
    }

    @Override
    public void usageSoFar(Usage usage) {
        progress.usage(usage);
    }
}
