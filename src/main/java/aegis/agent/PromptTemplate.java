package aegis.agent;

import java.time.Instant;
import java.util.List;

/** One version of a prompt template, as stored in prompt_templates. */
public record PromptTemplate(long id, String name, String agentType, int version, String systemPrompt,
                             String userPromptTemplate, List<String> variables, boolean active,
                             String description, List<String> tags, long usageCount, long successCount,
                             long failureCount, long totalTokens, Instant createdAt) {

    /** Success rate in [0, 1]; 0 before any use. */
    public double successRate() {
        return usageCount == 0 ? 0 : (double) successCount / usageCount;
    }

    public long averageTokens() {
        return usageCount == 0 ? 0 : totalTokens / usageCount;
    }
}
