package aegis.dispatch;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

/** Drives the Asana simulator as a person would, over HTTP: the {@code /_sim} control API and, for reads, the Asana API. */
public final class SimHttp {
    private final URI root;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper json = new ObjectMapper();
    private String token;

    public SimHttp(URI root) {
        this.root = root;
    }

    public Map<String, Object> reset(Map<String, ?> body) {
        Map<String, Object> w = call("POST", "/_sim/reset", body);
        token = (String) w.get("token");
        return w;
    }

    public String createTask(Map<String, ?> body) {
        return (String) call("POST", "/_sim/tasks", body).get("gid");
    }

    public void changeTask(String gid, Map<String, ?> body) {
        call("POST", "/_sim/tasks/" + gid, body);
    }

    public Map<String, Object> comment(String gid, String text, String author) {
        return call("POST", "/_sim/tasks/" + gid + "/comments",
                author == null ? Map.of("text", text) : Map.of("text", text, "author", author));
    }

    /** A comment by {@code author} that @-mentions {@code mentions} (user gids). */
    public Map<String, Object> comment(String gid, String text, String author, List<String> mentions) {
        return call("POST", "/_sim/tasks/" + gid + "/comments", Map.of("text", text, "author", author,
                "mentions", mentions));
    }

    /** A further user with its own token: {@code gid} and {@code token}. */
    public Map<String, Object> createUser(String name) {
        return call("POST", "/_sim/users", Map.of("name", name));
    }

    /** {@code POST /_sim/faults}: e.g. {@code duplicateWebhooks: 1.0} delivers every webhook twice. */
    public void faults(Map<String, ?> body) {
        call("POST", "/_sim/faults", body);
    }

    /** A comment posted through the Asana API with {@code userToken}, as that user's client would. */
    public Map<String, Object> commentAs(String userToken, String gid, String htmlText) {
        return call("POST", "/api/1.0/tasks/" + gid + "/stories", Map.of("data", Map.of("html_text", htmlText)),
                userToken);
    }

    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> stories(String gid) {
        Object data = call("GET", "/_sim/tasks/" + gid + "/stories", null).get("data");
        return (List<Map<String, Object>>) data;
    }

    /** Comments whose text contains {@code needle}. */
    public List<String> commentsContaining(String gid, String needle) {
        return stories(gid).stream()
                .filter(s -> "comment_added".equals(s.get("resource_subtype")))
                .map(s -> String.valueOf(s.get("text")))
                .filter(t -> t.contains(needle)).toList();
    }

    /** The task as the Asana API shows it to the bot. */
    public Map<String, Object> task(String gid) {
        return call("GET", "/api/1.0/tasks/" + gid
                + "?opt_fields=completed,assignee,memberships.section.name,name", null);
    }

    private Map<String, Object> call(String method, String path, Object body) {
        return call(method, path, body, token);
    }

    private Map<String, Object> call(String method, String path, Object body, String token) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(root.resolve(path)).header("Content-Type", "application/json");
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException(method + " " + path + " → " + r.statusCode() + ": " + r.body());
            }
            Map<String, Object> m = json.readValue(r.body(), new TypeReference<Map<String, Object>>() { });
            Object data = m.get("data");
            if (data instanceof Map<?, ?> inner && m.size() == 1) {
                @SuppressWarnings("unchecked")
                Map<String, Object> unwrapped = (Map<String, Object>) inner;
                return unwrapped;
            }
            return m;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + ": " + e, e);
        }
    }
}
