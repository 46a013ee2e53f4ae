package aegis.governance;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * What is paused: the whole orchestrator ({@code global}, null when not) and single projects.
 * JSON keys in snake_case, nulls included.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record PauseState(Pause global, List<Pause> projects) {

    /** One pause: of a project ({@code projectGid}) or of everything (null), why, by whom, since when. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Pause(String projectGid, String reason, String pausedBy, String pausedAt) {
    }

    public boolean paused() {
        return global != null;
    }

    public boolean paused(String projectGid) {
        return global != null || projects.stream().anyMatch(p -> p.projectGid().equals(projectGid));
    }
}
