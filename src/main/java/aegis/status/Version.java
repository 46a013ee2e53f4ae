package aegis.status;

import java.io.InputStream;
import java.util.Properties;

/** The build's version, from the Maven metadata packaged in the jar ("dev" when run from classes). */
public final class Version {
    private Version() {
    }

    public static String current() {
        try (InputStream in = Version.class.getResourceAsStream("/META-INF/maven/aegis/aegis/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "dev");
            }
        } catch (Exception e) {
            // fall through
        }
        return "dev";
    }
}
