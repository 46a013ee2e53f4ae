package aegis.asana;

import io.micronaut.context.BeanContext;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.HttpClientRegistry;
import io.micronaut.http.client.LoadBalancer;
import jakarta.inject.Singleton;
import java.net.URI;

/**
 * Transports on HTTP clients from the application context's registry, which share its event
 * loop and codecs. Each transport's client has its policy's timeouts.
 */
@Singleton
public final class HttpTransports {
    private final HttpClientRegistry<HttpClient> registry;
    private final BeanContext context;

    HttpTransports(HttpClientRegistry<HttpClient> registry, BeanContext context) {
        this.registry = registry;
        this.context = context;
    }

    /** A transport to {@code baseUrl}'s host; requests carry the base URL's path themselves. */
    public HttpTransport transport(URI baseUrl, TransportPolicy policy, TransportLimits limits) {
        HttpClient http = registry.resolveClient(null, LoadBalancer.fixed(root(baseUrl)),
                policy.clientConfiguration(), context);
        return new HttpTransport(http, policy, limits);
    }

    /** Scheme, host and port of {@code baseUrl}. */
    public static URI root(URI baseUrl) {
        return URI.create(baseUrl.getScheme() + "://" + baseUrl.getHost()
                + (baseUrl.getPort() < 0 ? "" : ":" + baseUrl.getPort()));
    }
}
