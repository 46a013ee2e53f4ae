package aegis.dispatch;

import aegis.asana.AsanaClient;
import jakarta.inject.Singleton;

/**
 * The bot user's gid, asked of Asana once ({@code GET /users/me}) and cached. Stands in for
 * the asana package's BotIdentity until that is merged; a failed call is retried on next use.
 */
@Singleton
public class BotUser {
    private final AsanaClient asana;
    private volatile String gid;

    public BotUser(AsanaClient asana) {
        this.asana = asana;
    }

    public String gid() {
        String g = gid;
        if (g == null) {
            g = asana.me().gid();
            gid = g;
        }
        return g;
    }
}
