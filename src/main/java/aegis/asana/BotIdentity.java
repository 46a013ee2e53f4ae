package aegis.asana;

import jakarta.inject.Singleton;

/** Placeholder until the asana package's BotIdentity lands: the bot user's gid, fetched once. */
@Singleton
public class BotIdentity {
    private final AsanaClient client;
    private volatile String gid;

    public BotIdentity(AsanaClient client) {
        this.client = client;
    }

    public String gid() {
        String g = gid;
        if (g == null) {
            g = client.me().gid();
            gid = g;
        }
        return g;
    }
}
