package aegis.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every API request the simulator received: counted by method and path template
 * ({@code GET /projects/{project_gid}/tasks}), and logged with its arrival time and answer so
 * tests can check rate limits and Retry-After from the server's side.
 */
public final class RequestLog {
    private static final int MAX_ENTRIES = 500_000;

    /** One request: when it arrived (epoch ms and a monotonic ns clock), what it was, the status. */
    public record Entry(long atMillis, long atNanos, String method, String template, String path,
                        int status, int retryAfterSeconds) {
        public String key() {
            return method + " " + template;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Long> counts = new TreeMap<>();

    synchronized void add(Entry e) {
        counts.merge(e.key(), 1L, Long::sum);
        if (entries.size() < MAX_ENTRIES) {
            entries.add(e);
        }
    }

    public synchronized Map<String, Long> counts() {
        return new TreeMap<>(counts);
    }

    public synchronized long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    public synchronized long count(String method, String template) {
        return counts.getOrDefault(method + " " + template, 0L);
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    public synchronized void clear() {
        entries.clear();
        counts.clear();
    }
}
