package aegis.agent;

import java.math.BigDecimal;

/** Tokens and cost of one run; zero where unknown. */
public record Usage(long inputTokens, long outputTokens, BigDecimal costUsd) {
    public static final Usage NONE = new Usage(0, 0, BigDecimal.ZERO);

    public Usage {
        costUsd = costUsd == null ? BigDecimal.ZERO : costUsd;
    }

    public long totalTokens() {
        return inputTokens + outputTokens;
    }
}
