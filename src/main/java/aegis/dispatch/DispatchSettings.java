package aegis.dispatch;

import aegis.config.ConfigException;
import aegis.config.Settings;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The queue's and the agent pool's settings, each an {@code AEGIS_...} variable:
 * <ul>
 * <li>{@code AEGIS_DISPATCH_LEASE_SECONDS} (60): how long a claim lasts without renewal.</li>
 * <li>{@code AEGIS_DISPATCH_RENEW_SECONDS} (20): how often a running worker renews; must be under the lease.</li>
 * <li>{@code AEGIS_DISPATCH_MAX_ATTEMPTS} (3): attempts before a transient failure is final.</li>
 * <li>{@code AEGIS_DISPATCH_BACKOFF_SECONDS} (30) / {@code AEGIS_DISPATCH_BACKOFF_MAX_SECONDS} (3600):
 *     first retry delay, doubled per attempt, capped.</li>
 * <li>{@code AEGIS_DISPATCH_POLL_MS} (2000): backstop poll of the queue when no wake-up arrives.</li>
 * <li>{@code AEGIS_DISPATCH_GRACE_SECONDS} (20): on shutdown, how long running executions may finish.</li>
 * <li>{@code AEGIS_DISPATCH_MAX_INTERRUPTIONS} (5): runs of one execution that a stopping daemon may
 *     interrupt (not counted as attempts) before it fails and the person is told.</li>
 * <li>{@code AEGIS_AGENT_TIMEOUT_SECONDS} (1800): an execution running longer is stopped (timed out).</li>
 * <li>{@code AEGIS_AGENT_WORKERS} (4): executions running at once in this instance.</li>
 * <li>{@code AEGIS_AGENT_WORKERS_BY_KIND} (none): per-kind limits, e.g. {@code command=1,llm=4};
 *     a kind not named may use all workers; 0 leaves the kind to other instances.</li>
 * <li>{@code AEGIS_PRIORITY_FIELD} (none): name of the Asana custom field holding a task's priority.</li>
 * <li>{@code AEGIS_INSTANCE_ID} (host-pid-random): names this instance in leases and agents rows.</li>
 * </ul>
 */
public record DispatchSettings(
        Duration lease,
        Duration renewEvery,
        int maxAttempts,
        Duration backoffBase,
        Duration backoffMax,
        Duration pollEvery,
        Duration grace,
        int maxInterruptions,
        Duration agentTimeout,
        int workers,
        Map<String, Integer> workersByKind,
        Optional<String> priorityField,
        String instanceId) {

    public static DispatchSettings from(Settings s) {
        int lease = s.integer("AEGIS_DISPATCH_LEASE_SECONDS", 60, 2, 86_400);
        int renew = s.integer("AEGIS_DISPATCH_RENEW_SECONDS", Math.max(1, lease / 3), 1, 86_400);
        if (renew >= lease) {
            throw new ConfigException("AEGIS_DISPATCH_RENEW_SECONDS", "must be shorter than "
                    + "AEGIS_DISPATCH_LEASE_SECONDS (" + lease + "), got " + renew);
        }
        int backoff = s.integer("AEGIS_DISPATCH_BACKOFF_SECONDS", 30, 0, 86_400);
        int backoffMax = s.integer("AEGIS_DISPATCH_BACKOFF_MAX_SECONDS", 3600, 0, 7 * 86_400);
        if (backoffMax < backoff) {
            throw new ConfigException("AEGIS_DISPATCH_BACKOFF_MAX_SECONDS", "must be at least "
                    + "AEGIS_DISPATCH_BACKOFF_SECONDS (" + backoff + "), got " + backoffMax);
        }
        return new DispatchSettings(
                Duration.ofSeconds(lease),
                Duration.ofSeconds(renew),
                s.integer("AEGIS_DISPATCH_MAX_ATTEMPTS", 3, 1, 100),
                Duration.ofSeconds(backoff),
                Duration.ofSeconds(backoffMax),
                Duration.ofMillis(s.integer("AEGIS_DISPATCH_POLL_MS", 2000, 10, 600_000)),
                Duration.ofSeconds(s.integer("AEGIS_DISPATCH_GRACE_SECONDS", 20, 0, 3600)),
                s.integer("AEGIS_DISPATCH_MAX_INTERRUPTIONS", 5, 1, 1000),
                Duration.ofSeconds(s.integer("AEGIS_AGENT_TIMEOUT_SECONDS", 1800, 1, 7 * 86_400)),
                s.integer("AEGIS_AGENT_WORKERS", 4, 1, 1000),
                byKind(s.string("AEGIS_AGENT_WORKERS_BY_KIND").orElse("")),
                s.string("AEGIS_PRIORITY_FIELD"),
                s.string("AEGIS_INSTANCE_ID").orElseGet(DispatchSettings::defaultInstanceId));
    }

    /** The per-kind limit, or the global one for a kind without its own. */
    public int workersFor(String kind) {
        return Math.min(workers, workersByKind.getOrDefault(kind, workers));
    }

    private static Map<String, Integer> byKind(String raw) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String part : raw.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] kv = part.split("=", 2);
            try {
                int n = Integer.parseInt(kv.length == 2 ? kv[1].trim() : "");
                if (n < 0 || kv[0].isBlank()) {
                    throw new NumberFormatException();
                }
                out.put(kv[0].trim(), n);
            } catch (NumberFormatException e) {
                throw new ConfigException("AEGIS_AGENT_WORKERS_BY_KIND",
                        "must list kind=count pairs separated by commas (e.g. command=1,llm=4), got '"
                                + raw + "'");
            }
        }
        return Map.copyOf(out);
    }

    private static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "host";
        }
        String pid = String.valueOf(ManagementFactory.getRuntimeMXBean().getPid());
        return host + "-" + pid + "-" + UUID.randomUUID().toString().substring(0, 6);
    }
}
