package aegis.bench;

import aegis.asana.WebhookSignature;
import aegis.config.AegisConfig;
import aegis.config.Settings;
import aegis.testing.TestApp;
import aegis.testing.TestDatabase;
import aegis.webhook.SecretBox;
import aegis.webhook.SubscriptionRepository;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Load generator for bench/webhook-ingest: the daemon's receiver on loopback (inbox processing
 * off, so only ingest is measured), one subscription, {@code clients} threads each sending
 * signed single-event deliveries back to back for {@code seconds}. Prints one JSON object:
 * deliveries_per_s, p50_ms, p99_ms, plus counts. Stored rows are checked against 200s.
 */
public final class WebhookIngestBench {
    private WebhookIngestBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("serve")) {
            serve(java.nio.file.Path.of(args[1]));
            return;
        }
        int clients = Integer.parseInt(args.length > 0 ? args[0] : "16");
        int seconds = Integer.parseInt(args.length > 1 ? args[1] : "15");
        int warmup = Integer.parseInt(args.length > 2 ? args[2] : "5");
        TestDatabase.Schema schema = TestDatabase.freshSchema("benchingest");
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        AegisConfig config = TestApp.config(schema.database(), URI.create("http://127.0.0.1:1"));
        try (TestApp app = TestApp.start(config, Settings.of(Map.of(SecretBox.SETTING, key)),
                Map.of("aegis.sync.enabled", false, "aegis.webhooks.enabled", false, "aegis.jobs.enabled", false,
                        "aegis.dispatch.enabled", false, "datasources.default.maximum-pool-size", clients + 4))) {
            UUID sub = UUID.randomUUID();
            app.context().getBean(SubscriptionRepository.class).createPending(sub, "1", null, "bench");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI target = app.uri("/webhooks/asana/" + sub);
            String secret = "bench-secret-" + UUID.randomUUID();
            HttpResponse<String> hs = http.send(HttpRequest.newBuilder(target).header("X-Hook-Secret", secret)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            if (hs.statusCode() != 200) {
                throw new IllegalStateException("handshake failed: " + hs.statusCode());
            }
            activate(app, sub);
            run(http, target, secret, clients, warmup, null);
            long[][] lat = new long[clients][];
            AtomicInteger failures = new AtomicInteger();
            long t0 = System.nanoTime();
            int sent = run(http, target, secret, clients, seconds, lat, failures);
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long[] all = Arrays.stream(lat).flatMapToLong(Arrays::stream).sorted().toArray();
            long stored;
            try (var c = schema.connect(); var st = c.createStatement();
                 var rs = st.executeQuery("SELECT count(*) FROM webhooks")) {
                rs.next();
                stored = rs.getLong(1);
            }
            System.out.printf("{\"deliveries\":%d,\"failures\":%d,\"stored_rows_incl_warmup\":%d,\"seconds\":%.2f,"
                            + "\"clients\":%d,\"deliveries_per_s\":%.1f,\"p50_ms\":%.2f,\"p99_ms\":%.2f}%n",
                    sent, failures.get(), stored, elapsed, clients, sent / elapsed, pct(all, 0.50), pct(all, 0.99));
        } finally {
            schema.drop();
        }
    }

    /**
     * For an external load generator (wrk): starts the receiver, shakes hands, writes
     * {@code dir/ready} (target URL, body, signature, one per line), serves until {@code dir/stop}
     * appears, then prints the rows stored as JSON.
     */
    private static void serve(java.nio.file.Path dir) throws Exception {
        TestDatabase.Schema schema = TestDatabase.freshSchema("benchingest");
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        AegisConfig config = TestApp.config(schema.database(), URI.create("http://127.0.0.1:1"));
        try (TestApp app = TestApp.start(config, Settings.of(Map.of(SecretBox.SETTING, key)),
                Map.of("aegis.sync.enabled", false, "aegis.webhooks.enabled", false, "aegis.jobs.enabled", false,
                        "aegis.dispatch.enabled", false, "datasources.default.maximum-pool-size", 24))) {
            UUID sub = UUID.randomUUID();
            app.context().getBean(SubscriptionRepository.class).createPending(sub, "1", null, "bench");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI target = app.uri("/webhooks/asana/" + sub);
            String secret = "bench-secret-" + UUID.randomUUID();
            http.send(HttpRequest.newBuilder(target).header("X-Hook-Secret", secret)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            activate(app, sub);
            String body = "{\"events\":[{\"action\":\"changed\",\"resource\":{\"gid\":\"1200000000001\","
                    + "\"resource_type\":\"task\",\"resource_subtype\":\"default_task\"},\"parent\":null,"
                    + "\"user\":{\"gid\":\"42\",\"resource_type\":\"user\"},\"created_at\":\"" + Instant.now()
                    + "\",\"change\":{\"field\":\"name\",\"action\":\"changed\"}}]}";
            String sig = WebhookSignature.sign(secret, body.getBytes(StandardCharsets.UTF_8));
            java.nio.file.Files.writeString(dir.resolve("ready.tmp"), target + "\n" + body + "\n" + sig + "\n");
            java.nio.file.Files.move(dir.resolve("ready.tmp"), dir.resolve("ready"));
            while (!java.nio.file.Files.exists(dir.resolve("stop"))) {
                Thread.sleep(100);
            }
            long stored;
            try (var c = schema.connect(); var st = c.createStatement();
                 var rs = st.executeQuery("SELECT count(*) FROM webhooks WHERE event_count = 1")) {
                rs.next();
                stored = rs.getLong(1);
            }
            System.out.printf("{\"stored_rows\":%d}%n", stored);
        } finally {
            schema.drop();
        }
    }

    /** What the registrar does once Asana's create call returns. */
    private static void activate(TestApp app, UUID sub) {
        if (!app.context().getBean(SubscriptionRepository.class).activate(sub, "bench-" + sub)) {
            throw new IllegalStateException("the handshake stored no secret");
        }
    }

    private static int run(HttpClient http, URI target, String secret, int clients, int seconds, long[][] lat)
            throws InterruptedException {
        return run(http, target, secret, clients, seconds, lat, new AtomicInteger());
    }

    private static int run(HttpClient http, URI target, String secret, int clients, int seconds, long[][] lat,
                           AtomicInteger failures) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        AtomicInteger count = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int me = i;
            Thread t = new Thread(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                long seq = 0;
                while (System.nanoTime() < end) {
                    String body = "{\"events\":[{\"action\":\"changed\",\"resource\":{\"gid\":\"" + (me * 1_000_000L + seq++)
                            + "\",\"resource_type\":\"task\",\"resource_subtype\":\"default_task\"},\"parent\":null,"
                            + "\"user\":{\"gid\":\"42\",\"resource_type\":\"user\"},\"created_at\":\"" + Instant.now()
                            + "\",\"change\":{\"field\":\"name\",\"action\":\"changed\"}}]}";
                    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                    HttpRequest req = HttpRequest.newBuilder(target).header("Content-Type", "application/json")
                            .header("X-Hook-Signature", WebhookSignature.sign(secret, bytes))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
                    long s = System.nanoTime();
                    try {
                        HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() != 200) {
                            failures.incrementAndGet();
                            continue;
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                        continue;
                    }
                    long d = System.nanoTime() - s;
                    if (n == mine.length) {
                        mine = Arrays.copyOf(mine, n * 2);
                    }
                    mine[n++] = d;
                }
                if (lat != null) {
                    lat[me] = Arrays.copyOf(mine, n);
                }
                count.addAndGet(n);
            }, "load-" + i);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return count.get();
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
}
