package aegis.status;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** How the status page writes times, durations, tokens and money for a person. */
public final class PageFormat {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
            .withZone(ZoneOffset.UTC);

    private PageFormat() {
    }

    /** An ISO instant as {@code 2026-11-30 12:31:05 UTC}; a dash for never. */
    public static String when(String iso) {
        return iso == null ? "—" : WHEN.format(Instant.parse(iso));
    }

    /** {@code 850 ms}, {@code 12 s}, {@code 3 m 12 s}, {@code 2 h 5 m}; a dash when unknown. */
    public static String duration(Long ms) {
        if (ms == null) {
            return "—";
        }
        if (ms < 1000) {
            return ms + " ms";
        }
        long s = ms / 1000;
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " m " + s % 60 + " s";
        }
        return s / 3600 + " h " + s % 3600 / 60 + " m";
    }

    public static String seconds(long s) {
        return duration(s * 1000);
    }

    /** Tokens in and out, short: {@code 1.2k / 310}. */
    public static String tokens(long in, long out) {
        return count(in) + " / " + count(out);
    }

    static String count(long n) {
        return n < 1000 ? String.valueOf(n) : BigDecimal.valueOf(n).divide(BigDecimal.valueOf(1000), 1,
                RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + "k";
    }

    /** A dollar amount to the cent, or to four places under a cent so small runs do not read as free. */
    public static String money(String usd) {
        if (usd == null) {
            return "—";
        }
        BigDecimal d = new BigDecimal(usd);
        int scale = d.signum() != 0 && d.abs().compareTo(new BigDecimal("0.01")) < 0 ? 4 : 2;
        return "$" + d.setScale(scale, RoundingMode.HALF_UP).toPlainString();
    }

    /** Whether {@code url} may be a link: http(s) only, so a stored value cannot run script when clicked. */
    public static boolean webLink(String url) {
        return url != null && (url.startsWith("https://") || url.startsWith("http://"));
    }

    /** {@code pending 2 · running 1 · …}. */
    public static String counts(java.util.Map<String, Long> m) {
        return m.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(java.util.stream.Collectors.joining(" · "));
    }

    /** The status and, once it ended, the outcome: {@code completed · done}. */
    public static String state(Executions.Summary e) {
        return e.outcome() == null || e.outcome().equals(e.status()) ? e.status() : e.status() + " · " + e.outcome();
    }
}
