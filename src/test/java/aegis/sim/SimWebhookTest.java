package aegis.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.asana.AsanaClientSettings;
import aegis.asana.AsanaException;
import aegis.asana.AsanaModel;
import aegis.asana.HttpAsanaClient;
import aegis.asana.WebhookSignature;
import aegis.sim.AsanaSimulator.SimWorld;
import aegis.testing.TestHttp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Webhooks as Asana does them, received by a bare HTTP server standing in for Aegis. */
class SimWebhookTest {
    static AsanaSimulator sim;
    static final ObjectMapper JSON = new ObjectMapper();

    HttpServer target;
    HttpAsanaClient client;
    SimWorld world;
    /** What the receiver does: "echo", "wrong-echo", "fail" (500 on deliveries). */
    final AtomicReference<String> mode = new AtomicReference<>("echo");
    final AtomicReference<String> secret = new AtomicReference<>();
    final AtomicInteger webhooksDuringHandshake = new AtomicInteger(-1);
    final AtomicInteger failedDeliveries = new AtomicInteger();
    final BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();

    record Delivery(byte[] body, String signature, long receivedNanos) {
        JsonNode events() {
            try {
                return JSON.readTree(body).get("events");
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }
    }

    @BeforeAll
    static void startSim() {
        sim = AsanaSimulator.start();
    }

    @AfterAll
    static void stopSim() {
        sim.close();
    }

    @BeforeEach
    void startTarget() throws IOException {
        target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        target.createContext("/hook", ex -> {
            try (ex) {
                String hs = ex.getRequestHeaders().getFirst("X-Hook-Secret");
                byte[] body = ex.getRequestBody().readAllBytes();
                if (hs != null) {
                    webhooksDuringHandshake.set(sim.webhooks().size());
                    secret.set(hs);
                    ex.getResponseHeaders().set("X-Hook-Secret", mode.get().equals("wrong-echo") ? "nope" : hs);
                    ex.sendResponseHeaders(200, -1);
                    return;
                }
                if (mode.get().equals("fail")) {
                    failedDeliveries.incrementAndGet();
                    ex.sendResponseHeaders(500, -1);
                    return;
                }
                deliveries.add(new Delivery(body, ex.getRequestHeaders().getFirst("X-Hook-Signature"), System.nanoTime()));
                ex.sendResponseHeaders(200, -1);
            }
        });
        target.start();
    }

    @AfterEach
    void stopTarget() {
        target.stop(0);
        if (client != null) {
            client.close();
        }
    }

    String targetUrl() {
        return "http://127.0.0.1:" + target.getAddress().getPort() + "/hook";
    }

    void reset(SimOptions o) {
        world = sim.reset(o);
        AsanaClientSettings s = AsanaClientSettings.defaults(sim.baseUrl(), world.token(), 100_000);
        client = TestHttp.asanaClient(s);
    }

    @Test
    void aWebhookExistsOnlyAfterTheTargetEchoesTheSecret() {
        reset(SimOptions.demo());
        mode.set("wrong-echo");
        String project = world.projects().get(0);
        assertThatThrownBy(() -> client.createWebhook(project, targetUrl(), List.of()))
                .isInstanceOf(AsanaException.BadRequest.class);
        assertThat(sim.webhooks()).isEmpty();
        assertThat(secret.get()).as("the handshake was attempted").isNotNull();

        mode.set("echo");
        AsanaModel.Webhook hook = client.createWebhook(project, targetUrl(),
                List.of(new AsanaModel.WebhookFilter("task", null, null, null)));
        assertThat(webhooksDuringHandshake.get()).as("handshake ran while the create request was open").isZero();
        assertThat(hook.active()).isTrue();
        assertThat(hook.resourceGid()).isEqualTo(project);
        assertThat(client.webhooks(world.workspace(), Optional.of(project)))
                .extracting(AsanaModel.Webhook::gid).containsExactly(hook.gid());
        assertThat(sim.webhookSecret(hook.gid())).isEqualTo(secret.get());
        client.deleteWebhook(hook.gid());
        assertThat(client.webhooks(world.workspace(), Optional.empty())).isEmpty();
    }

    @Test
    void aPersonsChangeArrivesPromptlyAndVerifiesWithTheSecret() throws Exception {
        reset(SimOptions.demo());
        String project = world.projects().get(0);
        client.createWebhook(project, targetUrl(), List.of());
        Map<String, Object> task = sim.createTask(Map.of("project", project, "name", "for the bot"));
        drain(500);
        long before = System.nanoTime();
        sim.changeTask((String) task.get("gid"), Map.of("assignee", world.botUser()));
        Delivery d = deliveries.poll(5, TimeUnit.SECONDS);
        assertThat(d).as("a delivery arrived").isNotNull();
        long latencyMs = (d.receivedNanos() - before) / 1_000_000;
        assertThat(latencyMs).as("delivery latency ms").isLessThan(1000);
        assertThat(WebhookSignature.verify(secret.get(), d.body(), d.signature())).isTrue();
        assertThat(WebhookSignature.verify("another-secret", d.body(), d.signature())).isFalse();
        JsonNode change = null;
        for (JsonNode e : d.events()) {
            if ("changed".equals(e.get("action").asText())) {
                change = e;
            }
        }
        assertThat(change).isNotNull();
        assertThat(change.get("resource").get("gid").asText()).isEqualTo(task.get("gid"));
        assertThat(change.get("change").get("field").asText()).isEqualTo("assignee");
        assertThat(change.get("user").get("gid").asText()).isEqualTo(world.humanUser());
    }

    @Test
    void filtersDecideWhatIsDelivered() throws Exception {
        reset(SimOptions.demo());
        String project = world.projects().get(0);
        client.createWebhook(project, targetUrl(),
                List.of(new AsanaModel.WebhookFilter("task", null, "changed", List.of("completed"))));
        Map<String, Object> task = sim.createTask(Map.of("project", project, "name", "x"));
        sim.comment((String) task.get("gid"), "not delivered");
        sim.changeTask((String) task.get("gid"), Map.of("completed", true));
        Delivery d = deliveries.poll(5, TimeUnit.SECONDS);
        assertThat(d).isNotNull();
        assertThat(d.events().size()).isEqualTo(1);
        assertThat(d.events().get(0).get("change").get("field").asText()).isEqualTo("completed");
    }

    @Test
    void aFailingTargetIsRetriedThenTheWebhookIsDeleted() throws Exception {
        reset(SimOptions.demo().withWebhookTiming(2, 20, 1, 28_800));
        String project = world.projects().get(0);
        client.createWebhook(project, targetUrl(), List.of());
        mode.set("fail");
        sim.createTask(Map.of("project", project, "name", "x"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        while (!sim.webhooks().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(sim.webhooks()).as("deleted after the failure window").isEmpty();
        assertThat(failedDeliveries.get()).as("retried with backoff before giving up").isBetween(3, 15);
    }

    @Test
    void retriesDeliverOnceTheTargetRecovers() throws Exception {
        reset(SimOptions.demo().withWebhookTiming(2, 50, 60, 28_800));
        String project = world.projects().get(0);
        client.createWebhook(project, targetUrl(), List.of());
        mode.set("fail");
        sim.createTask(Map.of("project", project, "name", "late"));
        Thread.sleep(120);
        mode.set("echo");
        Delivery d = deliveries.poll(5, TimeUnit.SECONDS);
        assertThat(d).isNotNull();
        assertThat(failedDeliveries.get()).isPositive();
        assertThat(d.events().toString()).contains("late");
        // The receiver saw the body before the simulator saw the 200: give it a moment.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (sim.webhooks().get(0).get("last_success_at") == null && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(sim.webhooks().get(0).get("last_success_at")).isNotNull();
        assertThat(sim.webhooks().get(0).get("delivery_retry_count")).isEqualTo(0);
    }

    @Test
    void heartbeatsAndInjectedWebhookFaults() throws Exception {
        reset(SimOptions.demo().withWebhookTiming(2, 1000, 86_400, 1));
        String project = world.projects().get(0);
        client.createWebhook(project, targetUrl(), List.of());
        Delivery hb = deliveries.poll(4, TimeUnit.SECONDS);
        assertThat(hb).as("a heartbeat").isNotNull();
        assertThat(hb.events().size()).isZero();
        assertThat(WebhookSignature.verify(secret.get(), hb.body(), hb.signature())).isTrue();

        reset(SimOptions.demo());
        client.createWebhook(world.projects().get(0), targetUrl(), List.of());
        deliveries.clear();
        sim.faults(new SimFaults(0, 0, 0, 0, 1.0, 1));
        sim.createTask(Map.of("project", world.projects().get(0), "name", "twice"));
        Delivery first = deliveries.poll(5, TimeUnit.SECONDS);
        Delivery second = deliveries.poll(5, TimeUnit.SECONDS);
        assertThat(first).isNotNull();
        assertThat(second).isNotNull();
        assertThat(second.body()).isEqualTo(first.body());

        sim.faults(new SimFaults(0, 0, 0, 1.0, 0, 1));
        drain(200);
        sim.createTask(Map.of("project", world.projects().get(0), "name", "dropped"));
        assertThat(deliveries.poll(500, TimeUnit.MILLISECONDS)).isNull();
        sim.faults(SimFaults.NONE);
    }

    private void drain(long quietMs) throws InterruptedException {
        while (deliveries.poll(quietMs, TimeUnit.MILLISECONDS) != null) {
            // keep draining until quiet
        }
    }
}
