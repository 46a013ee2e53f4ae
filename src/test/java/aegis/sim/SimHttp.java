package aegis.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A bare HTTP/1.1 client for talking to the simulator in tests. */
public record SimHttp(URI root, String token) {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Answer(int status, JsonNode body, java.net.http.HttpHeaders headers) {
    }

    public Answer get(String path) {
        return send("GET", path, null);
    }

    public Answer send(String method, String path, Object body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(root.resolve(path)).timeout(Duration.ofSeconds(15));
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            b.header("Content-Type", "application/json");
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode node = r.body() == null || r.body().isEmpty() ? null : JSON.readTree(r.body());
            return new Answer(r.statusCode(), node, r.headers());
        } catch (IOException e) {
            throw new RuntimeException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }
}
