package aegis.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * How an agent's text becomes an outcome, shared by all kinds.
 *
 * <p><b>Asking a question.</b> An answer whose first non-blank characters are
 * {@code QUESTION:} (any case) is a question for a person: the rest of the text is the
 * question. Anything else is the result.
 *
 * <p><b>Coding-agent CLI output.</b> When a command prints the JSON result object of a
 * coding-agent CLI (e.g. {@code claude -p --output-format json}) — the whole output, or the
 * last line of {@code stream-json} output — its {@code result} is the answer, and
 * {@code usage.input_tokens} (+ {@code cache_creation_input_tokens} +
 * {@code cache_read_input_tokens}), {@code usage.output_tokens}, {@code total_cost_usd},
 * {@code num_turns} and {@code session_id} are taken from it; {@code is_error: true} makes
 * the run a failure.
 */
@Singleton
public final class AgentAnswers {
    public static final String QUESTION_PREFIX = "QUESTION:";
    private final ObjectMapper json;

    public AgentAnswers(ObjectMapper json) {
        this.json = json;
    }

    /** Done or Question, by the convention above. */
    public static AgentOutcome fromText(String text, Usage usage, String excerpt, Integer exitCode) {
        String t = text == null ? "" : text.strip();
        if (t.regionMatches(true, 0, QUESTION_PREFIX, 0, QUESTION_PREFIX.length())) {
            String q = t.substring(QUESTION_PREFIX.length()).strip();
            return new AgentOutcome.Question(q.isEmpty() ? "(the agent asked an empty question)" : q,
                    usage, excerpt, exitCode);
        }
        return new AgentOutcome.Done(t, usage, excerpt, exitCode);
    }

    /** What a coding-agent CLI reported about its run. */
    public record CliResult(String result, boolean isError, Usage usage, Integer numTurns, String sessionId) {
    }

    /** The CLI's JSON result in {@code stdout}, if it printed one. */
    public Optional<CliResult> parseCli(String stdout) {
        String s = stdout == null ? "" : stdout.strip();
        if (s.isEmpty()) {
            return Optional.empty();
        }
        Optional<CliResult> whole = parseObject(s);
        if (whole.isPresent()) {
            return whole;
        }
        int end = s.length();
        // stream-json: one object per line, the result object last.
        for (int lines = 0; lines < 5 && end > 0; lines++) {
            int start = s.lastIndexOf('\n', end - 1) + 1;
            Optional<CliResult> r = parseObject(s.substring(start, end).strip());
            if (r.isPresent()) {
                return r;
            }
            end = start - 1;
        }
        return Optional.empty();
    }

    private Optional<CliResult> parseObject(String s) {
        if (!s.startsWith("{") || !s.endsWith("}")) {
            return Optional.empty();
        }
        JsonNode n;
        try {
            n = json.readTree(s);
        } catch (Exception e) {
            return Optional.empty();
        }
        if (n == null || !n.isObject() || !n.has("result")
                || (n.has("type") && !"result".equals(n.path("type").asText()))) {
            return Optional.empty();
        }
        JsonNode u = n.path("usage");
        long in = u.path("input_tokens").asLong(0) + u.path("cache_creation_input_tokens").asLong(0)
                + u.path("cache_read_input_tokens").asLong(0);
        long out = u.path("output_tokens").asLong(0);
        BigDecimal cost = n.hasNonNull("total_cost_usd") ? n.get("total_cost_usd").decimalValue()
                : n.hasNonNull("cost_usd") ? n.get("cost_usd").decimalValue() : BigDecimal.ZERO;
        return Optional.of(new CliResult(n.path("result").asText(""), n.path("is_error").asBoolean(false),
                new Usage(in, out, cost), n.has("num_turns") ? n.get("num_turns").asInt() : null,
                n.hasNonNull("session_id") ? n.get("session_id").asText() : null));
    }
}
