package aegis.packaging;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A stand-in daemon for the training start of deploy/cds-archive.sh, run in its own JVM: answers
 * GET /health with 200 on AEGIS_HTTP_PORT until SIGTERM, as {@code run} does. With {@code --exit N}
 * it exits at once with N instead (a start that fails before /health answers).
 */
public final class HealthStub {
    private HealthStub() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--exit")) {
            System.exit(Integer.parseInt(args[1]));
        }
        int port = Integer.parseInt(System.getenv("AEGIS_HTTP_PORT"));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/health", exchange -> {
            byte[] body = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(0)));
        Thread.currentThread().join();
    }
}
