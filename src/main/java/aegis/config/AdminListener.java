package aegis.config;

/**
 * Where the operator endpoints listen: {@code AEGIS_ADMIN_PORT} (8081) on {@code AEGIS_ADMIN_BIND}
 * (127.0.0.1). They are kept off the public port that Asana must reach, so that exposing the
 * webhook receiver to the internet exposes nothing else. The port is a real one (never 0):
 * routes are tied to it by number.
 */
public record AdminListener(int port, String bind) {
    public static final String PORT = "AEGIS_ADMIN_PORT";
    public static final String BIND = "AEGIS_ADMIN_BIND";

    public static AdminListener read(Settings s, int publicPort) {
        int port = s.integer(PORT, 8081, 1, 65535);
        if (port == publicPort) {
            throw new ConfigException(PORT, "must differ from AEGIS_HTTP_PORT (" + publicPort
                    + "): the operator endpoints need a listener of their own");
        }
        return new AdminListener(port, s.string(BIND).orElse("127.0.0.1"));
    }
}
