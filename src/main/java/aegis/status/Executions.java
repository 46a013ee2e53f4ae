package aegis.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * Execution history as {@code GET /executions}, {@code aegis executions} and the status page show
 * it. Times are ISO-8601 UTC strings, money a decimal string in US dollars, keys snake_case;
 * {@code archived} says the row was read from task_executions_archive.
 */
public final class Executions {
    private Executions() {
    }

    /** One line of the history. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Summary(long id, String taskGid, String taskName, String taskUrl, String kind, String agentType,
                          String bot, String status, String outcome, int attempt, Long durationMs, long inputTokens,
                          long outputTokens, String costUsd, String createdAt, String startedAt, String finishedAt,
                          boolean archived) {
    }

    /** A page of the history, newest first; {@code nextCursor} asks for the next (older) page, null at the end. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Page(List<Summary> executions, String nextCursor) {
    }

    /** Everything recorded about one run. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Detail(Summary execution, String agentName, Prompt prompt, String requestedByGid,
                         String triggerCommentGid, String answerStoryGid, String answerUrl, Integer exitCode,
                         String error, String outputExcerpt, String result, List<Event> timeline,
                         String timelineNote) {
    }

    /** The prompt template the run was given (name and version), when one was. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Prompt(String name, String agentType, Integer version) {
    }

    /** One agent_events row; {@code data} is its JSON object as stored. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Event(String at, String type, String level, String message, @JsonRawValue String data) {
    }
}
