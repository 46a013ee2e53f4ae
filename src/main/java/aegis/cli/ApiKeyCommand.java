package aegis.cli;

import aegis.config.Settings;
import aegis.status.ApiKeys;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "apikey", description = "API keys for /status and /: create NAME, revoke NAME, list.",
        subcommands = {ApiKeyCommand.Create.class, ApiKeyCommand.Revoke.class, ApiKeyCommand.ListKeys.class})
final class ApiKeyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "say create NAME, revoke NAME or list");
    }

    @Command(name = "create", description = "Creates a key and prints it once; only its hash is stored.")
    static final class Create implements Callable<Integer> {
        private final Settings settings;
        @Parameters(paramLabel = "NAME")
        String name;

        Create(Settings settings) {
            this.settings = settings;
        }

        @Override
        public Integer call() {
            ApiKeys keys = new ApiKeys(DirectDatabase.open(settings));
            ApiKeys.Created created;
            try {
                created = keys.create(name);
            } catch (ApiKeys.NameTaken | IllegalArgumentException e) {
                System.err.println("aegis: " + e.getMessage());
                OperatorAudit.record(settings, "apikey.create", name, Map.of(), "refused: " + e.getMessage());
                return Main.USAGE;
            }
            // The key itself never: only its name and prefix.
            OperatorAudit.record(settings, "apikey.create", created.name(), Map.of(), "ok");
            System.err.println("API key '" + created.name() + "' created. It is shown only now; keep it safe."
                    + " Use it as: Authorization: Bearer <key>");
            System.out.println(created.key());
            return Main.OK;
        }
    }

    @Command(name = "revoke", description = "Revokes the key of that name at once.")
    static final class Revoke implements Callable<Integer> {
        private final Settings settings;
        @Parameters(paramLabel = "NAME")
        String name;

        Revoke(Settings settings) {
            this.settings = settings;
        }

        @Override
        public Integer call() {
            if (new ApiKeys(DirectDatabase.open(settings)).revoke(name)) {
                OperatorAudit.record(settings, "apikey.revoke", name, Map.of(), "ok");
                System.out.println("API key '" + name + "' revoked.");
                return Main.OK;
            }
            OperatorAudit.record(settings, "apikey.revoke", name, Map.of(), "refused: no active key of that name");
            System.err.println("aegis: no active API key named '" + name + "'");
            return Main.FAILURE;
        }
    }

    @Command(name = "list", description = "Lists keys: name, prefix, state, created, last used.")
    static final class ListKeys implements Callable<Integer> {
        private final Settings settings;

        ListKeys(Settings settings) {
            this.settings = settings;
        }

        @Override
        public Integer call() {
            var all = new ApiKeys(DirectDatabase.open(settings)).list();
            if (all.isEmpty()) {
                System.out.println("No API keys: /status and / are open. Create one with: aegis apikey create NAME");
                return Main.OK;
            }
            System.out.printf("%-24s %-14s %-8s %-28s %s%n", "NAME", "PREFIX", "STATE", "CREATED", "LAST USED");
            for (var k : all) {
                System.out.printf("%-24s %-14s %-8s %-28s %s%n", k.name(), k.prefix() + "…",
                        k.active() ? "active" : "revoked", k.createdAt(), k.lastUsedAt() == null ? "never" : k.lastUsedAt());
            }
            return Main.OK;
        }
    }
}
