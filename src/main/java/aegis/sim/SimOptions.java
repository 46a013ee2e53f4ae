package aegis.sim;

import java.util.Map;

/**
 * What a reset asks for. Everything but the seed is optional; the timing knobs exist so tests
 * can compress Asana's hours into milliseconds.
 *
 * @param seed                        {@code demo} (named projects, tasks for the bot) or {@code empty}
 * @param projects                    number of projects (demo default 2, empty default 0)
 * @param tasksPerProject             tasks in each project (demo default 4)
 * @param token                       the bot's access token; generated when null
 * @param quotaPerMinute              Asana's own request quota per window (default 100,000: never in the way)
 * @param quotaWindowSeconds          length of the quota window (default 60)
 * @param syncTokenTtlSeconds         age after which an /events sync token is refused with 412 (default 86,400)
 * @param offsetTtlSeconds            age after which a paging offset is refused with 400 (default 3,600)
 * @param webhookBatchMs              how long events gather before a delivery is sent (default 2)
 * @param webhookRetryBaseMs          first retry delay after a failed delivery, doubling (default 1,000)
 * @param webhookFailureWindowSeconds failing this long deletes the webhook (default 86,400)
 * @param heartbeatSeconds            an empty delivery after this long without one (default 28,800)
 */
public record SimOptions(
        String seed,
        int projects,
        int tasksPerProject,
        String token,
        int quotaPerMinute,
        int quotaWindowSeconds,
        long syncTokenTtlSeconds,
        long offsetTtlSeconds,
        long webhookBatchMs,
        long webhookRetryBaseMs,
        long webhookFailureWindowSeconds,
        long heartbeatSeconds) {

    public static SimOptions demo() {
        return of("demo");
    }

    public static SimOptions empty() {
        return of("empty");
    }

    public static SimOptions of(String seed) {
        return fromMap(Map.of("seed", seed));
    }

    /** Reads the JSON body of {@code POST /_sim/reset}; unknown keys are ignored. */
    public static SimOptions fromMap(Map<String, ?> m) {
        String seed = str(m.get("seed"), "demo");
        if (!seed.equals("demo") && !seed.equals("empty")) {
            throw new IllegalArgumentException("seed: must be demo or empty");
        }
        int defaultProjects = seed.equals("demo") ? 2 : 0;
        return new SimOptions(seed,
                (int) num(m.get("projects"), defaultProjects, 0, 1000),
                (int) num(m.get("tasksPerProject"), 4, 0, 100_000),
                m.get("token") == null ? null : String.valueOf(m.get("token")),
                (int) num(m.get("quotaPerMinute"), 100_000, 1, 10_000_000),
                (int) num(m.get("quotaWindowSeconds"), 60, 1, 3600),
                num(m.get("syncTokenTtlSeconds"), 86_400, 0, Long.MAX_VALUE / 2000),
                num(m.get("offsetTtlSeconds"), 3_600, 0, Long.MAX_VALUE / 2000),
                num(m.get("webhookBatchMs"), 2, 0, 60_000),
                num(m.get("webhookRetryBaseMs"), 1_000, 1, 3_600_000),
                num(m.get("webhookFailureWindowSeconds"), 86_400, 0, Long.MAX_VALUE / 2000),
                num(m.get("heartbeatSeconds"), 28_800, 1, Long.MAX_VALUE / 2000));
    }

    public SimOptions withProjects(int projects, int tasksPerProject) {
        return new SimOptions(seed, projects, tasksPerProject, token, quotaPerMinute, quotaWindowSeconds,
                syncTokenTtlSeconds, offsetTtlSeconds, webhookBatchMs, webhookRetryBaseMs,
                webhookFailureWindowSeconds, heartbeatSeconds);
    }

    public SimOptions withQuota(int perWindow, int windowSeconds) {
        return new SimOptions(seed, projects, tasksPerProject, token, perWindow, windowSeconds,
                syncTokenTtlSeconds, offsetTtlSeconds, webhookBatchMs, webhookRetryBaseMs,
                webhookFailureWindowSeconds, heartbeatSeconds);
    }

    public SimOptions withWebhookTiming(long batchMs, long retryBaseMs, long failureWindowSeconds,
                                        long heartbeatSeconds) {
        return new SimOptions(seed, projects, tasksPerProject, token, quotaPerMinute, quotaWindowSeconds,
                syncTokenTtlSeconds, offsetTtlSeconds, batchMs, retryBaseMs, failureWindowSeconds,
                heartbeatSeconds);
    }

    public SimOptions withTtls(long syncTokenTtlSeconds, long offsetTtlSeconds) {
        return new SimOptions(seed, projects, tasksPerProject, token, quotaPerMinute, quotaWindowSeconds,
                syncTokenTtlSeconds, offsetTtlSeconds, webhookBatchMs, webhookRetryBaseMs,
                webhookFailureWindowSeconds, heartbeatSeconds);
    }

    public SimOptions withToken(String token) {
        return new SimOptions(seed, projects, tasksPerProject, token, quotaPerMinute, quotaWindowSeconds,
                syncTokenTtlSeconds, offsetTtlSeconds, webhookBatchMs, webhookRetryBaseMs,
                webhookFailureWindowSeconds, heartbeatSeconds);
    }

    private static String str(Object v, String dflt) {
        return v == null ? dflt : String.valueOf(v);
    }

    private static long num(Object v, long dflt, long min, long max) {
        if (v == null) {
            return dflt;
        }
        long n;
        if (v instanceof Number x) {
            n = x.longValue();
        } else {
            try {
                n = Long.parseLong(String.valueOf(v).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a whole number: " + v);
            }
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("out of range " + min + ".." + max + ": " + n);
        }
        return n;
    }
}
