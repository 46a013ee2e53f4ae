package aegis.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The validated configuration of one daemon. Each setting is named as in CONTRACT.md;
 * a missing or malformed one raises {@link ConfigException} naming it.
 */
public record AegisConfig(
        Database database,
        Asana asana,
        Optional<URI> publicUrl,
        int httpPort) {

    public static final String DEFAULT_ASANA_BASE_URL = "https://app.asana.com/api/1.0";
    private static final Pattern GID = Pattern.compile("\\d{1,32}");

    /** JDBC coordinates; the password is never part of toString. */
    public record Database(String url, String user, String password) {
        @Override
        public String toString() {
            return "Database[url=" + url + ", user=" + user + "]";
        }
    }

    /** What Aegis talks to in Asana and what it tracks there. */
    public record Asana(
            URI baseUrl,
            String accessToken,
            String workspaceGid,
            Optional<String> portfolioGid,
            List<String> projectGids,
            int requestsPerMinute) {
        @Override
        public String toString() {
            return "Asana[baseUrl=" + baseUrl + ", workspace=" + workspaceGid
                    + ", portfolio=" + portfolioGid.orElse("-") + ", projects=" + projectGids
                    + ", requestsPerMinute=" + requestsPerMinute + "]";
        }
    }

    /** The database settings alone: enough for {@code migrate}. */
    public static Database database(Settings s) {
        String url = s.required("AEGIS_DATABASE_URL",
                "set it to a JDBC URL such as jdbc:postgresql://localhost:5432/aegis "
                        + "(bin/provision-db prints one)");
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new ConfigException("AEGIS_DATABASE_URL",
                    "must be a PostgreSQL JDBC URL starting with jdbc:postgresql:, got '"
                            + redactUrl(url) + "'");
        }
        return new Database(url, s.string("AEGIS_DATABASE_USER").orElse(null),
                s.string("AEGIS_DATABASE_PASSWORD").orElse(null));
    }

    /** Everything {@code run} needs. */
    public static AegisConfig load(Settings s) {
        Database db = database(s);
        String token = s.required("ASANA_ACCESS_TOKEN",
                "set it to the personal access token of the Asana bot user");
        URI base = uri(s, "AEGIS_ASANA_BASE_URL", s.string("AEGIS_ASANA_BASE_URL")
                .orElse(DEFAULT_ASANA_BASE_URL));
        String workspace = gid(s, "AEGIS_ASANA_WORKSPACE", s.required("AEGIS_ASANA_WORKSPACE",
                "set it to the gid of the Asana workspace"));
        Optional<String> portfolio = s.string("AEGIS_ASANA_PORTFOLIO")
                .map(v -> gid(s, "AEGIS_ASANA_PORTFOLIO", v));
        List<String> projects = s.string("AEGIS_ASANA_PROJECTS")
                .map(v -> Arrays.stream(v.split(","))
                        .map(String::trim).filter(p -> !p.isEmpty())
                        .map(p -> gid(s, "AEGIS_ASANA_PROJECTS", p)).toList())
                .orElse(List.of());
        if (portfolio.isEmpty() && projects.isEmpty()) {
            throw new ConfigException("AEGIS_ASANA_PORTFOLIO",
                    "set AEGIS_ASANA_PORTFOLIO to a portfolio gid, or AEGIS_ASANA_PROJECTS to "
                            + "project gids separated by commas, so Aegis knows what to track");
        }
        int rpm = s.integer("AEGIS_ASANA_REQUESTS_PER_MINUTE", 1500, 1, 100_000);
        Optional<URI> publicUrl = s.string("AEGIS_PUBLIC_URL")
                .map(v -> uri(s, "AEGIS_PUBLIC_URL", v));
        int port = s.integer("AEGIS_HTTP_PORT", 8080, 0, 65535);
        return new AegisConfig(db, new Asana(base, token, workspace, portfolio, projects, rpm),
                publicUrl, port);
    }

    private static String gid(Settings s, String name, String value) {
        if (!GID.matcher(value).matches()) {
            throw new ConfigException(name, "must be an Asana gid (digits only), got '" + value + "'");
        }
        return value;
    }

    private static URI uri(Settings s, String name, String value) {
        try {
            URI u = new URI(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new URISyntaxException(value, "needs http:// or https:// and a host");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new ConfigException(name, "must be an http(s) URL, got '" + value + "'");
        }
    }

    /** A JDBC URL with any password parameter masked, for messages. */
    public static String redactUrl(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
