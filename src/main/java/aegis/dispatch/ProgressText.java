package aegis.dispatch;

import aegis.agent.Usage;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;

/** The words of a progress comment: while the run works, and the one line it becomes at the end. */
final class ProgressText {
    private ProgressText() {
    }

    /** "Working on it… 45 s so far · 12k tokens · $0.04", then the last steps, one a line. */
    static String working(Duration elapsed, Usage usage, List<String> steps) {
        StringBuilder sb = new StringBuilder("Working on it… ").append(duration(elapsed)).append(" so far")
                .append(spend(usage));
        for (String s : steps) {
            sb.append("\n• ").append(s);
        }
        return sb.toString();
    }

    /** "Finished in 3 m 12 s · 41k tokens · $0.21 — answer below"; without an ending, {@link #stopped}. */
    static String finished(Duration elapsed, Usage usage, String ending) {
        if (ending == null) {
            return stopped(elapsed, usage);
        }
        return "Finished in " + duration(elapsed) + spend(usage) + " — " + ending;
    }

    /** The line of a run stopped before its agent came to an outcome (cancelled, timed out, handed back). */
    static String stopped(Duration elapsed, Usage usage) {
        return "Stopped after " + duration(elapsed) + spend(usage) + " — the run did not finish";
    }

    static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return (s / 60) + " m " + (s % 60) + " s";
        }
        return (s / 3600) + " h " + (s % 3600 / 60) + " m";
    }

    static String tokens(long n) {
        if (n < 1000) {
            return Long.toString(n);
        }
        if (n < 1_000_000) {
            return Math.round(n / 1000.0) + "k";
        }
        return BigDecimal.valueOf(n).divide(BigDecimal.valueOf(1_000_000), 1, RoundingMode.HALF_UP) + "M";
    }

    private static String spend(Usage u) {
        StringBuilder sb = new StringBuilder();
        if (u.totalTokens() > 0) {
            sb.append(" · ").append(tokens(u.totalTokens())).append(" tokens");
        }
        if (u.costUsd().signum() > 0) {
            sb.append(" · $").append(u.costUsd().setScale(2, RoundingMode.HALF_UP).toPlainString());
        }
        return sb.toString();
    }
}
