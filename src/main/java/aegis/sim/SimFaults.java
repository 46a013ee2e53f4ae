package aegis.sim;

import java.util.Map;

/**
 * Injected misbehaviour, as set by {@code POST /_sim/faults}. Rates are probabilities per API
 * request (or per webhook delivery). A 5xx on a GET or DELETE happens before the request is
 * applied; on a POST or PUT it happens after, as when Asana applied the change and the answer
 * was lost, which is the case a client must not answer with a blind retry. With
 * {@code refuseRichText} every {@code html_text} written to a story is refused with a 400, as
 * Asana refuses rich text it cannot parse, so a client's fallback to plain text can be tried.
 */
public record SimFaults(double rate429, double rate5xx, long latencyMs, double dropWebhooks,
                        double duplicateWebhooks, int retryAfterSeconds, boolean refuseRichText) {

    public static final SimFaults NONE = new SimFaults(0, 0, 0, 0, 0, 1);

    public SimFaults(double rate429, double rate5xx, long latencyMs, double dropWebhooks, double duplicateWebhooks,
                     int retryAfterSeconds) {
        this(rate429, rate5xx, latencyMs, dropWebhooks, duplicateWebhooks, retryAfterSeconds, false);
    }

    public static SimFaults fromMap(Map<String, ?> m) {
        return new SimFaults(rate(m, "rate429"), rate(m, "rate5xx"), (long) num(m, "latencyMs", 0),
                rate(m, "dropWebhooks"), rate(m, "duplicateWebhooks"),
                (int) Math.max(1, num(m, "retryAfterSeconds", 1)),
                Boolean.parseBoolean(String.valueOf(m.get("refuseRichText"))));
    }

    public Map<String, Object> toMap() {
        return Map.of("rate429", rate429, "rate5xx", rate5xx, "latencyMs", latencyMs,
                "dropWebhooks", dropWebhooks, "duplicateWebhooks", duplicateWebhooks,
                "retryAfterSeconds", retryAfterSeconds, "refuseRichText", refuseRichText);
    }

    private static double rate(Map<String, ?> m, String key) {
        double v = num(m, key, 0);
        if (v < 0 || v > 1) {
            throw new IllegalArgumentException(key + ": must be between 0 and 1");
        }
        return v;
    }

    private static double num(Map<String, ?> m, String key, double dflt) {
        Object v = m.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(String.valueOf(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": not a number");
        }
    }
}
