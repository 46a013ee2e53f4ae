package aegis.dispatch;

import java.math.BigDecimal;

/** What one attempt cost, added to the execution's totals. */
public record Accounting(long inputTokens, long outputTokens, BigDecimal costUsd, long durationMs,
                         Long promptTemplateId, Integer promptVersion, Integer exitCode, String outputExcerpt) {
    public static final int EXCERPT_MAX = 4000;

    public Accounting {
        costUsd = costUsd == null ? BigDecimal.ZERO : costUsd;
        if (outputExcerpt != null && outputExcerpt.length() > EXCERPT_MAX) {
            outputExcerpt = outputExcerpt.substring(outputExcerpt.length() - EXCERPT_MAX);
        }
    }

    public static Accounting none(long durationMs) {
        return new Accounting(0, 0, BigDecimal.ZERO, durationMs, null, null, null, null);
    }
}
