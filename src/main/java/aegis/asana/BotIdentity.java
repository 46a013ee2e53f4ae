package aegis.asana;

import aegis.asana.AsanaModel.User;
import jakarta.inject.Singleton;

/** Who the bot is in Asana: one {@code GET /users/me}, on first use, then cached. */
@Singleton
public class BotIdentity {
    private final AsanaClient client;
    private volatile User me;

    public BotIdentity(AsanaClient client) {
        this.client = client;
    }

    public User me() {
        User u = me;
        if (u == null) {
            synchronized (this) {
                u = me;
                if (u == null) {
                    u = client.me();
                    me = u;
                }
            }
        }
        return u;
    }

    public String gid() {
        return me().gid();
    }
}
