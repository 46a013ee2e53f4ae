package aegis.asana;

import aegis.asana.AsanaModel.Change;
import aegis.asana.AsanaModel.CustomField;
import aegis.asana.AsanaModel.Event;
import aegis.asana.AsanaModel.EventResource;
import aegis.asana.AsanaModel.Membership;
import aegis.asana.AsanaModel.Project;
import aegis.asana.AsanaModel.Ref;
import aegis.asana.AsanaModel.Section;
import aegis.asana.AsanaModel.Story;
import aegis.asana.AsanaModel.Task;
import aegis.asana.AsanaModel.User;
import aegis.asana.AsanaModel.Webhook;
import aegis.asana.AsanaModel.TaskUpdate;
import aegis.asana.AsanaModel.WebhookFilter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Asana JSON to {@link AsanaModel} records, and the {@code opt_fields} that ask for exactly
 * the fields mapped here: change one, change the other. Also the request bodies, records to JSON.
 */
final class AsanaJson {
    private AsanaJson() {
    }

    static final String USER_FIELDS = "name,email";
    static final String PROJECT_FIELDS = "name,notes,permalink_url,archived,workspace";
    static final String SECTION_FIELDS = "name";
    static final String TASK_FIELDS = "name,notes,html_notes,completed,completed_at,due_on,due_at,"
            + "assignee,assignee.name,parent,parent.name,tags,tags.name,"
            + "custom_fields,custom_fields.name,custom_fields.type,custom_fields.display_value,"
            + "custom_fields.number_value,custom_fields.enum_value,custom_fields.enum_value.name,"
            + "memberships.project.name,memberships.section.name,permalink_url,created_at,modified_at";
    static final String STORY_FIELDS = "resource_subtype,type,text,html_text,created_by,created_by.name,created_at";
    static final String WEBHOOK_FIELDS = "active,resource,target,last_success_at,last_failure_at,last_failure_content";

    static User user(JsonNode n) {
        return new User(text(n, "gid"), text(n, "name"), text(n, "email"));
    }

    static Project project(JsonNode n) {
        JsonNode ws = n.path("workspace");
        return new Project(text(n, "gid"), text(n, "name"), text(n, "notes"), text(n, "permalink_url"),
                n.path("archived").asBoolean(false), ws.isObject() ? text(ws, "gid") : null);
    }

    static Section section(JsonNode n) {
        return new Section(text(n, "gid"), text(n, "name"));
    }

    static Task task(JsonNode n) {
        List<Membership> memberships = list(n.path("memberships"), m -> {
            JsonNode p = m.path("project");
            JsonNode s = m.path("section");
            return new Membership(p.isObject() ? text(p, "gid") : null, p.isObject() ? text(p, "name") : null,
                    s.isObject() ? text(s, "gid") : null, s.isObject() ? text(s, "name") : null);
        });
        List<CustomField> fields = list(n.path("custom_fields"), c -> new CustomField(text(c, "gid"),
                text(c, "name"), text(c, "type"), text(c, "display_value"),
                c.path("number_value").isNumber() ? c.path("number_value").decimalValue() : null,
                c.path("enum_value").isObject() ? text(c.path("enum_value"), "name") : null));
        return new Task(text(n, "gid"), text(n, "name"), text(n, "notes"), text(n, "html_notes"),
                n.path("completed").asBoolean(false), instant(n, "completed_at"), date(n, "due_on"),
                instant(n, "due_at"), ref(n.path("assignee")), ref(n.path("parent")),
                list(n.path("tags"), AsanaJson::ref), fields, memberships, text(n, "permalink_url"),
                instant(n, "created_at"), instant(n, "modified_at"));
    }

    static Story story(JsonNode n) {
        return new Story(text(n, "gid"), text(n, "resource_subtype"), text(n, "type"), text(n, "text"),
                text(n, "html_text"), ref(n.path("created_by")), instant(n, "created_at"));
    }

    static Event event(JsonNode n) {
        JsonNode c = n.path("change");
        return new Event(text(n, "action"), eventResource(n.path("resource")), eventResource(n.path("parent")),
                ref(n.path("user")), instant(n, "created_at"),
                c.isObject() ? new Change(text(c, "field"), text(c, "action")) : null);
    }

    static Webhook webhook(JsonNode n) {
        JsonNode r = n.path("resource");
        return new Webhook(text(n, "gid"), r.isObject() ? text(r, "gid") : null, text(n, "target"),
                n.path("active").asBoolean(false), instant(n, "last_success_at"), instant(n, "last_failure_at"),
                text(n, "last_failure_content"));
    }

    static Ref ref(JsonNode n) {
        if (n == null || !n.isObject()) {
            return null;
        }
        return new Ref(text(n, "gid"), text(n, "resource_type"), text(n, "name"));
    }

    private static EventResource eventResource(JsonNode n) {
        if (n == null || !n.isObject()) {
            return null;
        }
        return new EventResource(text(n, "gid"), text(n, "resource_type"), text(n, "resource_subtype"));
    }

    static <T> List<T> list(JsonNode arr, Function<JsonNode, T> f) {
        if (arr == null || !arr.isArray()) {
            return List.of();
        }
        List<T> out = new ArrayList<>(arr.size());
        arr.forEach(x -> out.add(f.apply(x)));
        return java.util.Collections.unmodifiableList(out);
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant instant(JsonNode n, String field) {
        String s = text(n, field);
        if (s == null || s.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static LocalDate date(JsonNode n, String field) {
        String s = text(n, field);
        if (s == null || s.isEmpty()) {
            return null;
        }
        try {
            return LocalDate.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    // ---- request bodies ----------------------------------------------------------------------

    /** {@code {"data": {key: value}}}. */
    static ObjectNode body(String key, String value) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.putObject("data").put(key, value);
        return body;
    }

    /** Only what the update sets; {@code unassign} sends an explicit null assignee. */
    static ObjectNode body(TaskUpdate update) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ObjectNode data = body.putObject("data");
        if (update.completed() != null) {
            data.put("completed", update.completed());
        }
        if (update.unassign()) {
            data.putNull("assignee");
        } else if (update.assigneeGid() != null) {
            data.put("assignee", update.assigneeGid());
        }
        if (update.name() != null) {
            data.put("name", update.name());
        }
        if (update.notes() != null) {
            data.put("notes", update.notes());
        }
        return body;
    }

    /** {@code {"data": {"custom_fields": {field: option}}}}. */
    static ObjectNode enumFieldBody(String fieldGid, String optionGid) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.putObject("data").putObject("custom_fields").put(fieldGid, optionGid);
        return body;
    }

    /** Gids come with every object asked for. */
    static final String ENUM_FIELDS = "custom_fields.name,custom_fields.resource_subtype,"
            + "custom_fields.enum_options.name,custom_fields.enum_options.enabled";

    /** The enum fields of a task read with {@link #ENUM_FIELDS}. */
    static List<AsanaModel.EnumField> enumFields(JsonNode task) {
        List<AsanaModel.EnumField> out = new java.util.ArrayList<>();
        for (JsonNode f : task.path("custom_fields")) {
            if (!"enum".equals(text(f, "resource_subtype")) && !"enum".equals(text(f, "type"))) {
                continue;
            }
            List<AsanaModel.EnumOption> options = new java.util.ArrayList<>();
            for (JsonNode o : f.path("enum_options")) {
                options.add(new AsanaModel.EnumOption(text(o, "gid"), text(o, "name"),
                        o.path("enabled").asBoolean(true)));
            }
            out.add(new AsanaModel.EnumField(text(f, "gid"), text(f, "name"), List.copyOf(options)));
        }
        return out;
    }

    static ObjectNode webhookBody(String resourceGid, String target, List<WebhookFilter> filters) {
        ObjectNode body = body("resource", resourceGid);
        ObjectNode data = (ObjectNode) body.get("data");
        data.put("target", target);
        if (filters != null && !filters.isEmpty()) {
            ArrayNode arr = data.putArray("filters");
            for (WebhookFilter f : filters) {
                ObjectNode o = arr.addObject();
                if (f.resourceType() != null) {
                    o.put("resource_type", f.resourceType());
                }
                if (f.resourceSubtype() != null) {
                    o.put("resource_subtype", f.resourceSubtype());
                }
                if (f.action() != null) {
                    o.put("action", f.action());
                }
                if (f.fields() != null && !f.fields().isEmpty()) {
                    ArrayNode fields = o.putArray("fields");
                    f.fields().forEach(fields::add);
                }
            }
        }
        return body;
    }
}
