package aegis.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Requests and a recording context for agent tests. */
final class AgentFixtures {
    private AgentFixtures() {
    }

    record Event(String type, String level, String message, Map<String, Object> data) {
    }

    static class RecordingContext implements AgentContext {
        final List<Event> events = Collections.synchronizedList(new ArrayList<>());
        private final Duration remaining;

        RecordingContext(Duration remaining) {
            this.remaining = remaining;
        }

        RecordingContext() {
            this(Duration.ofMinutes(10));
        }

        @Override
        public void event(String eventType, String level, String message, Map<String, Object> data) {
            events.add(new Event(eventType, level, message, data));
        }

        @Override
        public Duration remaining() {
            return remaining;
        }

        Optional<Event> find(String type) {
            synchronized (events) {
                return events.stream().filter(e -> e.type().equals(type)).findFirst();
            }
        }
    }

    static AgentRequest request(String codePath, String system, String user) {
        return new AgentRequest(42, 1,
                new AgentRequest.TaskView(7, "1207000000000007", "Fix the login page", "Some notes",
                        "https://app.asana.com/0/1/7", null, null, List.of(), Map.of()),
                List.of(new AgentRequest.CommentView("9", "5", "Pat", "please hurry", Instant.now(), false)),
                new AgentRequest.ProjectView(3, "1203000000000003", "Web", Optional.ofNullable(codePath)),
                new RenderedPrompt(1L, "default", 1, system, user));
    }
}
