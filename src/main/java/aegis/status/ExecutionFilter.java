package aegis.status;

import aegis.config.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Which executions to list: by status, by task (Asana gid), created within {@code since}, at most
 * {@code limit}, older than the cursor (an execution id: the keyset the history pages by).
 * {@link #parse} turns what a person or a URL gave into one, or says clearly what is wrong.
 */
public record ExecutionFilter(Optional<String> status, Optional<String> taskGid, Optional<Duration> since,
                              int limit, Optional<Long> before) {
    public static final List<String> STATUSES = List.of("pending", "held", "awaiting_approval", "running",
            "completed", "failed", "cancelled");
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    public ExecutionFilter {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
    }

    public static ExecutionFilter latest(int limit) {
        return new ExecutionFilter(Optional.empty(), Optional.empty(), Optional.empty(), limit, Optional.empty());
    }

    /** The filter the strings say (each may be null or blank: not given). */
    public static ExecutionFilter parse(String status, String task, String since, String limit, String cursor) {
        Optional<String> st = given(status).map(s -> {
            if (!STATUSES.contains(s)) {
                throw new IllegalArgumentException("status must be one of " + String.join(", ", STATUSES)
                        + "; got '" + s + "'");
            }
            return s;
        });
        Optional<String> gid = given(task).map(t -> {
            if (!t.matches("\\d{1,30}")) {
                throw new IllegalArgumentException("task must be an Asana task gid (digits); got '" + t + "'");
            }
            return t;
        });
        Optional<Duration> window = given(since).map(s -> Durations.read(s).filter(d -> !d.isZero())
                .orElseThrow(() -> new IllegalArgumentException("since must be a duration such as "
                        + Durations.FORMS + "; got '" + s + "'")));
        int n = given(limit).map(l -> {
            try {
                return Integer.parseInt(l);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("limit must be a whole number between 1 and " + MAX_LIMIT
                        + "; got '" + l + "'");
            }
        }).orElse(DEFAULT_LIMIT);
        Optional<Long> before = given(cursor).map(c -> {
            try {
                long id = Long.parseLong(c);
                if (id > 0) {
                    return id;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new IllegalArgumentException("cursor must be the next_cursor of a previous page; got '" + c + "'");
        });
        return new ExecutionFilter(st, gid, window, n, before);
    }

    private static Optional<String> given(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.trim());
    }
}
