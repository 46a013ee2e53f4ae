package aegis.asana;

import aegis.asana.AsanaModel.User;
import aegis.config.BotSettings;
import aegis.config.ConfigException;
import aegis.metrics.Metrics;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The bot users Aegis works as, each with its own Asana client: its token, its own client-side
 * rate limiter and concurrency limits (Asana counts each token separately). The main bot
 * ({@code aegis}, ASANA_ACCESS_TOKEN) uses the daemon's shared client, which also does the
 * shared reading (sync, webhooks); the others write only what their own executions say.
 * Identities come from {@code GET /users/me} with each token: all at start ({@link #resolveAll}),
 * else on first use.
 */
@Singleton
public class Bots {
    private final List<Entry> entries;
    private final List<HttpAsanaClient> owned = new ArrayList<>();

    /** A bot with its identity in Asana. */
    public record Bot(BotSettings settings, AsanaClient client, String gid, String userName) {
        public String name() {
            return settings.name();
        }
    }

    private static final class Entry {
        final BotSettings settings;
        final AsanaClient client;
        final BotIdentity identity;

        Entry(BotSettings settings, AsanaClient client, BotIdentity identity) {
            this.settings = settings;
            this.client = client;
            this.identity = identity;
        }

        Bot bot() {
            User u = identity.me();
            return new Bot(settings, client, u.gid(), u.name());
        }
    }

    public Bots(BotSettings.All all, AsanaClient mainClient, BotIdentity mainIdentity, AsanaClientSettings base,
                HttpTransports transports, Metrics metrics, ObjectMapper json, List<WriteListener> writeListeners) {
        List<Entry> list = new ArrayList<>();
        for (BotSettings b : all.bots()) {
            if (b.name().equals(BotSettings.MAIN)) {
                list.add(new Entry(b, mainClient, mainIdentity));
                continue;
            }
            AsanaClientSettings own = base.withToken(b.token());
            HttpAsanaClient client = new HttpAsanaClient(own,
                    transports.transport(own.baseUrl(), own.transportPolicy(), TransportLimits.of(own)), metrics, json,
                    writeListeners);
            owned.add(client);
            list.add(new Entry(b, client, new BotIdentity(client)));
        }
        this.entries = List.copyOf(list);
    }

    /** Only for tests and tools that have one client: the main bot alone. */
    public static Bots single(AsanaClient client, BotIdentity identity) {
        return new Bots(client, identity);
    }

    private Bots(AsanaClient client, BotIdentity identity) {
        this.entries = List.of(new Entry(new BotSettings(BotSettings.MAIN, BotSettings.MAIN_TOKEN_ENV, "", "",
                Optional.empty(), List.of(), List.of()), client, identity));
    }

    /**
     * Asks Asana who each bot is. A token Asana refuses, or two bots that are one Asana user,
     * is a configuration error naming the bot (the daemon then stops with exit 2).
     */
    public List<Bot> resolveAll() {
        List<Bot> out = new ArrayList<>();
        Set<String> gids = new LinkedHashSet<>();
        for (Entry e : entries) {
            Bot b;
            try {
                b = e.bot();
            } catch (AsanaException.Unauthorized | AsanaException.Forbidden ex) {
                throw new ConfigException(setting(e.settings), "Asana refused the token of bot '" + e.settings.name()
                        + "' (" + ex.status() + "); set " + e.settings.tokenEnv() + " to a valid personal access token "
                        + "of that bot's Asana user");
            }
            if (!gids.add(b.gid())) {
                throw new ConfigException(setting(e.settings), "bot '" + e.settings.name() + "' has the same Asana user ("
                        + b.gid() + ") as another bot; give each bot its own user's token");
            }
            out.add(b);
        }
        return out;
    }

    private static String setting(BotSettings b) {
        return b.name().equals(BotSettings.MAIN) ? BotSettings.MAIN_TOKEN_ENV : "bots." + b.name() + ".token_env";
    }

    /** Every bot, the main one first. */
    public List<Bot> all() {
        return entries.stream().map(Entry::bot).toList();
    }

    public Bot main() {
        return entries.get(0).bot();
    }

    /** The Asana user gids of every bot. */
    public Set<String> gids() {
        Set<String> out = new LinkedHashSet<>();
        entries.forEach(e -> out.add(e.identity.gid()));
        return Set.copyOf(out);
    }

    public Optional<Bot> byGid(String gid) {
        if (gid == null) {
            return Optional.empty();
        }
        return entries.stream().filter(e -> gid.equals(e.identity.gid())).findFirst().map(Entry::bot);
    }

    public Optional<Bot> named(String name) {
        return entries.stream().filter(e -> e.settings.name().equals(name)).findFirst().map(Entry::bot);
    }

    /** The client that makes {@code name}'s writes; the main bot's for a name no longer configured. */
    public AsanaClient clientOf(String name) {
        return entries.stream().filter(e -> e.settings.name().equals(name)).findFirst()
                .orElse(entries.get(0)).client;
    }

    @PreDestroy
    void close() {
        owned.forEach(HttpAsanaClient::close);
    }
}
