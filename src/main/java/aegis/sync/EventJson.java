package aegis.sync;

import aegis.asana.AsanaModel.Change;
import aegis.asana.AsanaModel.Event;
import aegis.asana.AsanaModel.EventResource;
import aegis.asana.AsanaModel.Ref;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Reads the events of a stored webhook delivery ({@code {"events":[…]}}, Asana's shape). */
final class EventJson {
    private final ObjectMapper json;

    EventJson(ObjectMapper json) {
        this.json = json;
    }

    List<Event> parse(String body) {
        try {
            JsonNode list = json.readTree(body).path("events");
            List<Event> out = new ArrayList<>();
            for (JsonNode e : list) {
                out.add(new Event(text(e, "action"), resource(e.get("resource")), resource(e.get("parent")),
                        ref(e.get("user")), instant(text(e, "created_at")), change(e.get("change"))));
            }
            return out;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("stored delivery is not JSON", e);
        }
    }

    private static EventResource resource(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        return new EventResource(text(n, "gid"), text(n, "resource_type"), text(n, "resource_subtype"));
    }

    private static Ref ref(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        return new Ref(text(n, "gid"), text(n, "resource_type"), text(n, "name"));
    }

    private static Change change(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        return new Change(text(n, "field"), text(n, "action"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant instant(String s) {
        try {
            return s == null ? null : Instant.parse(s);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }
}
