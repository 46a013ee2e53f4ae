package aegis.dispatch;

import aegis.sim.AsanaSimulator;
import aegis.testing.Eventually;
import aegis.testing.TestDatabase;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code aegis run} in a child JVM against a test's schema and the simulator, with short leases, so a
 * test can SIGKILL it mid-run and let another instance rescue its work. Its log: target/{@code log}.
 */
final class ChildDaemon {
    private ChildDaemon() {
    }

    @SuppressWarnings("unchecked")
    static Process start(String instance, TestDatabase.Schema schema, AsanaSimulator sim, Map<String, Object> world,
                         Map<String, String> extraEnv, String log) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", cp, "aegis.cli.Main", "run"));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("AEGIS_") || k.startsWith("ASANA_"));
        env.put("AEGIS_DATABASE_URL", schema.database().url());
        env.put("AEGIS_DATABASE_USER", schema.database().user());
        env.put("AEGIS_DATABASE_PASSWORD", schema.database().password());
        env.put("ASANA_ACCESS_TOKEN", (String) world.get("token"));
        env.put("AEGIS_ASANA_BASE_URL", sim.baseUrl().toString());
        env.put("AEGIS_ASANA_WORKSPACE", (String) world.get("workspace"));
        env.put("AEGIS_ASANA_PROJECTS", String.join(",", (List<String>) world.get("projects")));
        env.put("AEGIS_HTTP_PORT", "0");
        env.put("AEGIS_ADMIN_PORT", String.valueOf(Eventually.freePort()));
        env.put("AEGIS_DISPATCH_LEASE_SECONDS", "3");
        env.put("AEGIS_DISPATCH_RENEW_SECONDS", "1");
        env.put("AEGIS_DISPATCH_BACKOFF_SECONDS", "0");
        env.put("AEGIS_DISPATCH_GRACE_SECONDS", "1");
        env.put("AEGIS_INSTANCE_ID", instance);
        env.putAll(extraEnv);
        File out = Path.of("target", log).toFile();
        Files.createDirectories(out.toPath().getParent());
        pb.redirectErrorStream(true).redirectOutput(out);
        return pb.start();
    }
}
