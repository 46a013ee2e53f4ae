package aegis.cli;

import aegis.config.Settings;
import aegis.sync.ProjectTracker;
import aegis.webhook.Subscription;
import aegis.webhook.SubscriptionRepository;
import aegis.webhook.WebhookRegistrar;
import aegis.webhook.WebhookSettings;
import io.micronaut.context.ApplicationContext;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "webhooks", description = "Manages the Asana webhooks of the tracked projects: register | list | delete.")
final class WebhooksCommand implements Callable<Integer> {
    private final Settings settings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ACTION", description = "register, list or delete")
    String action;

    @Option(names = "--project", paramLabel = "GID", description = "delete: only this project's webhook")
    String project;

    WebhooksCommand(Settings settings) {
        this.settings = settings;
    }

    @Override
    public Integer call() {
        if (!List.of("register", "list", "delete").contains(action)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "unknown action '" + action + "': use register, list or delete");
        }
        try (ApplicationContext ctx = CommandContext.start(settings)) {
            return switch (action) {
                case "register" -> register(ctx);
                case "delete" -> delete(ctx);
                default -> list(ctx);
            };
        }
    }

    private int register(ApplicationContext ctx) {
        WebhookRegistrar registrar = ctx.getBean(WebhookRegistrar.class);
        if (!registrar.enabled()) {
            throw new aegis.config.ConfigException("AEGIS_PUBLIC_URL", "is required to register webhooks: set it "
                    + "to the externally reachable base URL of the running daemon");
        }
        ctx.getBean(ProjectTracker.class).refresh(false);
        List<WebhookRegistrar.Outcome> out = registrar.registerMissing();
        if (out.isEmpty()) {
            System.out.println("Every tracked project already has an active webhook.");
        }
        boolean ok = true;
        for (WebhookRegistrar.Outcome o : out) {
            System.out.printf("project %s: %s (subscription %s, webhook %s)%s%n", o.projectGid(), o.status(),
                    o.subscriptionId(), o.asanaWebhookGid() == null ? "-" : o.asanaWebhookGid(),
                    o.error() == null ? "" : ": " + o.error());
            ok &= ("active".equals(o.status()) || "covered".equals(o.status())) && o.error() == null;
            audit("webhook.register", o);
        }
        return ok ? Main.OK : Main.FAILURE;
    }

    private int delete(ApplicationContext ctx) {
        List<WebhookRegistrar.Outcome> out = ctx.getBean(WebhookRegistrar.class).delete(Optional.ofNullable(project));
        if (out.isEmpty()) {
            System.out.println("No webhooks to delete.");
        }
        boolean ok = true;
        for (WebhookRegistrar.Outcome o : out) {
            System.out.printf("project %s: %s (subscription %s)%s%n", o.projectGid(), o.status(), o.subscriptionId(),
                    o.error() == null ? "" : ": " + o.error());
            ok &= "deleted".equals(o.status());
            audit("webhook.delete", o);
        }
        return ok ? Main.OK : Main.FAILURE;
    }

    private void audit(String what, WebhookRegistrar.Outcome o) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("subscription", String.valueOf(o.subscriptionId()));
        if (o.asanaWebhookGid() != null) {
            detail.put("webhook", o.asanaWebhookGid());
        }
        OperatorAudit.record(settings, what, o.projectGid(), detail,
                o.error() == null ? o.status() : o.status() + ": " + o.error());
    }

    private int list(ApplicationContext ctx) {
        WebhookSettings ws = WebhookSettings.read(settings);
        Instant now = Instant.now();
        ctx.getBean(SubscriptionRepository.class).refreshLastDelivery();
        List<Subscription> all = ctx.getBean(SubscriptionRepository.class).live();
        if (all.isEmpty()) {
            System.out.println("No webhooks registered. Run: aegis webhooks register");
        }
        System.out.printf("%-18s %-36s %-18s %-8s %-9s %-24s %-24s %s%n", "PROJECT", "SUBSCRIPTION", "WEBHOOK",
                "STATUS", "HEALTH", "LAST HEARTBEAT", "LAST DELIVERY", "LAST ERROR");
        for (Subscription s : all) {
            String health = s.healthy(now, ws.silence()) ? "healthy" : "active".equals(s.status()) ? "silent"
                    : s.status();
            System.out.printf("%-18s %-36s %-18s %-8s %-9s %-24s %-24s %s%n", s.resourceGid(), s.id(),
                    s.asanaWebhookGid() == null ? "-" : s.asanaWebhookGid(), s.status(), health,
                    s.lastHeartbeatAt() == null ? "-" : s.lastHeartbeatAt(),
                    s.lastDeliveryAt() == null ? "-" : s.lastDeliveryAt(),
                    s.lastError() == null ? "" : s.lastError());
        }
        return Main.OK;
    }
}
