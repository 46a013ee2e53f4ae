package aegis.testing;

import aegis.asana.HttpTransports;
import aegis.asana.TransportPolicy;
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
}
