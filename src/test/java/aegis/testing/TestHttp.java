package aegis.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import aegis.asana.AsanaClientSettings;
import aegis.asana.HttpAsanaClient;
import aegis.asana.HttpTransport;
import aegis.asana.HttpTransports;
import aegis.asana.TransportLimits;
import aegis.asana.TransportPolicy;
import aegis.metrics.Metrics;
import io.micronaut.http.client.HttpClient;
import java.net.MalformedURLException;
import java.net.URI;

/** HTTP clients for tests that run without an application context, set up as its registry would. */
public final class TestHttp {
    private TestHttp() {
    }

    /** A client to {@code baseUrl}'s host with {@code policy}'s timeouts. */
    public static HttpClient client(URI baseUrl, TransportPolicy policy) {
        try {
            return HttpClient.create(HttpTransports.root(baseUrl).toURL(), policy.clientConfiguration());
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("not a URL: " + baseUrl, e);
        }
    }

    /** An Asana client with limits of its own; meters go to a registry of its own. */
    public static HttpAsanaClient asanaClient(AsanaClientSettings s) {
        return asanaClient(s, java.util.List.of());
    }

    /** As above, {@code listeners} told of every write. */
    public static HttpAsanaClient asanaClient(AsanaClientSettings s, java.util.List<aegis.asana.WriteListener> listeners) {
        return new HttpAsanaClient(s, new HttpTransport(client(s.baseUrl(), s.transportPolicy()),
                s.transportPolicy(), TransportLimits.of(s)), Metrics.standalone(), new ObjectMapper(), listeners);
    }
}
