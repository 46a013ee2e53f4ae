package aegis.governance;

/**
 * Who did something, as the audit trail names them: {@code unix:<user>} for the command line,
 * {@code apikey:<name>} for the admin HTTP API, {@code aegis} for the daemon itself.
 */
public record Actor(String name) {
    public static final Actor DAEMON = new Actor("aegis");

    public Actor {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("an actor needs a name");
        }
    }

    /** The Unix user running this process (the command line's operator). */
    public static Actor unixUser() {
        String user = System.getProperty("user.name");
        return new Actor("unix:" + (user == null || user.isBlank() ? "unknown" : user));
    }

    /** A caller of the admin HTTP API, by its API key's name. */
    public static Actor apiKey(String keyName) {
        return new Actor("apikey:" + keyName);
    }

    @Override
    public String toString() {
        return name;
    }
}
