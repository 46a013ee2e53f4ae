package aegis.dispatch;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;

/**
 * The priority of pending work: higher runs first (ties: earliest {@code not_before}, then
 * oldest row). A pure function of the task's due date/time, an optional priority field and
 * its age, evaluated when the execution is enqueued:
 * <pre>
 *   score = due + field + age
 *   due   = 1000 overdue · 800 due within 24 h · 500 within 3 days · 300 within 7 days
 *           · 100 later · 0 no due date        (a due_on date counts as due at its end, UTC)
 *   field = 300 for "urgent"/"highest"/"critical"/"p0", 200 "high"/"p1", 100 "medium"/"normal"/"p2",
 *           0 "low"/other text; a number n counts as clamp(n, 0, 3) × 100
 *   age   = one point per hour since the task was created, at most 100
 * </pre>
 * So a due date dominates, an explicit priority separates tasks due alike, and age keeps
 * old undated work from starving behind newer undated work.
 */
public final class PriorityScore {
    private PriorityScore() {
    }

    /** What the score looks at; any part may be null. */
    public record Facts(LocalDate dueOn, Instant dueAt, String priorityText, BigDecimal priorityNumber,
                        Instant createdAt) {
    }

    public static int score(Facts f, Instant now) {
        return due(f.dueOn(), f.dueAt(), now) + field(f.priorityText(), f.priorityNumber()) + age(f.createdAt(), now);
    }

    static int due(LocalDate dueOn, Instant dueAt, Instant now) {
        Instant due = dueAt != null ? dueAt
                : dueOn != null ? dueOn.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC) : null;
        if (due == null) {
            return 0;
        }
        Duration left = Duration.between(now, due);
        if (left.isNegative()) {
            return 1000;
        }
        if (left.compareTo(Duration.ofHours(24)) <= 0) {
            return 800;
        }
        if (left.compareTo(Duration.ofDays(3)) <= 0) {
            return 500;
        }
        if (left.compareTo(Duration.ofDays(7)) <= 0) {
            return 300;
        }
        return 100;
    }

    static int field(String text, BigDecimal number) {
        if (number != null) {
            return Math.max(0, Math.min(3, number.intValue())) * 100;
        }
        if (text == null) {
            return 0;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "urgent", "highest", "critical", "p0" -> 300;
            case "high", "p1" -> 200;
            case "medium", "normal", "p2" -> 100;
            default -> 0;
        };
    }

    static int age(Instant createdAt, Instant now) {
        if (createdAt == null || createdAt.isAfter(now)) {
            return 0;
        }
        return (int) Math.min(100, Duration.between(createdAt, now).toHours());
    }
}
